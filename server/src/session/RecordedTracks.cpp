#include "session/RecordedTracks.h"

#include <algorithm>

namespace parley::session {

RecordedTracks RecordedTracks::of(const std::vector<media::MediaService::PublishedTrack>& published,
                                  bool hasAudio, bool hasVideo) {
  RecordedTracks out;
  out.outputs.assign(published.size(), 0xff);
  for (std::size_t i = 0; i < published.size(); ++i) {
    const auto& p = published[i];
    const bool video = p.kind == media::TrackKind::Video;
    if ((video && !hasVideo) || (!video && !hasAudio)) continue;
    auto codec = record::TrackFormat::named(p.codec);
    if (!codec || out.tracks.size() >= 8) continue;
    record::StreamFileWriter::Track t;
    t.format.codec = *codec;
    t.clockRate = p.clockRate ? p.clockRate : (video ? 90000 : 48000);
    if (!video) t.format.channels = static_cast<int>(std::max<std::uint32_t>(1, p.channels));
    out.outputs[i] = static_cast<std::uint8_t>(out.tracks.size());
    out.tracks.push_back(t);
  }
  return out;
}

bool RecordedTracks::hasH264() const {
  return std::any_of(tracks.begin(), tracks.end(), [](const auto& t) {
    return t.format.codec == record::TrackFormat::Codec::H264;
  });
}

}  // namespace parley::session
