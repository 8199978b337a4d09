#pragma once

// What the media tests and fuzzers share (the fuzzers include it by relative path).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "media/TrackDescription.h"
#include "media/WorkerEvents.h"
#include "media/sdp/Codec.h"

namespace parley::media::testsupport {

// A worker's upward news, ignored.
struct NoEvents final : WorkerEvents {
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string&, const std::string&, const std::string&) override {}
};

inline sdp::Codec codec(std::uint8_t payloadType, const char* name, std::uint32_t clockRate) {
  sdp::Codec c;
  c.payloadType = payloadType;
  c.name = name;
  c.clockRate = clockRate;
  return c;
}

// Opus as browsers send it: stereo at 48 kHz.
inline sdp::Codec opus(std::uint8_t payloadType = 111) {
  sdp::Codec c = codec(payloadType, "opus", 48000);
  c.channels = 2;
  return c;
}

// A publisher's track as the control thread describes it to a worker; callers add what
// their test needs (feedback, extensions, RTX).
inline TrackDescription track(sdp::MediaKind kind, std::string mid, std::vector<sdp::Codec> codecs,
                              std::vector<TrackDescription::Layer> layers) {
  TrackDescription t;
  t.kind = kind;
  t.mid = std::move(mid);
  t.codecs = std::move(codecs);
  t.layers = std::move(layers);
  return t;
}

// Opus, and VP8 in two simulcast layers with NACK and PLI: a publication's usual tracks.
inline std::vector<TrackDescription> audioAndTwoLayerVideo() {
  auto video = track(sdp::MediaKind::Video, "1", {codec(96, "VP8", 90000)},
                     {{0x1000, 0, ""}, {0x2000, 0, ""}});
  video.nack = video.pli = true;
  return {track(sdp::MediaKind::Audio, "0", {codec(111, "opus", 48000)}, {{0x3000, 0, ""}}), video};
}

}  // namespace parley::media::testsupport
