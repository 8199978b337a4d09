#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ArchiveOptions.h"
#include "core/Json.h"
#include "core/Result.h"

namespace parley::core {

// What a live broadcast start request asks for (docs/protocol.md §3.4.3), validated. The rules
// are OpenTok's: at least one output (HLS and/or up to five RTMP targets), an HLS stream is
// not both DVR and low-latency, maxDuration from 60 s to 10 hours; resolution, layout,
// streamMode, hasAudio/hasVideo and maxBitrate as for composed archives (the layout is read
// by ArchiveOptions::parseLayout, so both APIs accept the same layouts). Unknown fields are
// ignored, as OpenTok does.
struct BroadcastOptions {
  using StreamMode = ArchiveOptions::StreamMode;
  struct Hls {
    bool dvr = false;
    bool lowLatency = false;
  };
  struct Rtmp {
    std::string id;  // may be empty
    std::string serverUrl;
    std::string streamName;
    // Where the stream is pushed: serverUrl + "/" + streamName.
    std::string url() const;
    // The server's host (an IPv6 literal without its brackets) and port (1935 for rtmp://,
    // 443 for rtmps:// when the URL names none); an empty host when serverUrl has none.
    std::string host() const;
    std::uint16_t port() const;
  };

  std::string sessionId;
  std::optional<Hls> hls;
  std::vector<Rtmp> rtmp;
  std::int64_t maxDurationS = 14400;  // OpenTok's default: 4 hours
  std::string resolution = "640x480";
  std::string layoutType = "bestFit";
  std::string layoutStylesheet;  // layoutType "custom"
  std::string screenshareType;   // layoutType "bestFit"
  StreamMode streamMode = StreamMode::Auto;
  std::string multiBroadcastTag;
  bool hasAudio = true;
  bool hasVideo = true;
  std::optional<std::int64_t> maxBitrate;  // bits per second

  static constexpr std::size_t kMaxRtmpTargets = 5;
  static constexpr std::size_t kMaxUrlLength = 1024;
  static constexpr std::size_t kMaxStreamNameLength = 512;
  static constexpr std::size_t kMaxIdLength = 256;
  static constexpr std::size_t kMaxTagLength = 1000;
  static constexpr std::int64_t kMinDurationS = 60;
  static constexpr std::int64_t kMaxDurationS = 36000;

  // The body of POST /v2/project/{key}/broadcast. Error::Invalid (→ 400) names the field.
  static Result<BroadcastOptions> parse(const Json& body);
  // The layout of PUT …/broadcast/{id}/layout: the archives' rules.
  static Result<ArchiveOptions> parseLayout(const Json& body) {
    return ArchiveOptions::parseLayout(body);
  }
};

}  // namespace parley::core
