#include "session/CompositionFeed.h"

#include <cstdio>

#include "session/LiveSession.h"

namespace parley::session {

std::pair<int, int> CompositionFeed::canvasSize(const std::string& resolution) {
  int width = 640;
  int height = 480;
  if (std::sscanf(resolution.c_str(), "%dx%d", &width, &height) != 2 || width < 16 || height < 16 ||
      width > 4096 || height > 4096)
    return {640, 480};
  return {width, height};
}

record::Composer::Settings CompositionFeed::settings(const std::string& resolution, bool hasAudio,
                                                     bool hasVideo,
                                                     std::optional<std::int64_t> maxBitrate,
                                                     int framesPerSecond,
                                                     std::int64_t playoutDelayMs) {
  record::Composer::Settings cs;
  const auto [width, height] = canvasSize(resolution);
  cs.output.width = width;
  cs.output.height = height;
  cs.output.framesPerSecond = framesPerSecond;
  cs.output.hasAudio = hasAudio;
  cs.output.hasVideo = hasVideo;
  cs.output.maxBitrate = static_cast<int>(maxBitrate.value_or(0));
  cs.playoutDelayMs = playoutDelayMs;
  return cs;
}

std::unique_ptr<record::PacketWriter> CompositionFeed::join(
    record::Composer& composer, const LiveSession* live, const std::string& streamId,
    std::uint64_t tapId, std::vector<record::Composer::Track> tracks,
    std::function<void()> wantKeyframe) {
  const Stream* st = live ? live->stream(streamId) : nullptr;
  record::compose::StreamInfo info;
  info.id = streamId;
  info.addedOrder = tapId;
  if (st) {
    info.connectionId = st->connectionId;
    info.screen = st->videoType() == "screen";
    info.classes = st->layoutClassList;
  }
  auto writer = composer.addStream(info, std::move(tracks), std::move(wantKeyframe));
  if (st) composer.setStreamVideo(streamId, st->hasVideo());
  return writer;
}

}  // namespace parley::session
