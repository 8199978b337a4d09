#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/Json.h"
#include "core/Result.h"

namespace parley::core {

// What an archive start request asks for (docs/protocol.md §3.4.2), validated. The rules
// are OpenTok's: resolution and layout apply to composed archives only; maxBitrate and
// quantizationParameter are alternatives; a custom layout needs its stylesheet and only a
// bestFit layout takes a screenshareType. Unknown fields are ignored, as OpenTok does.
struct ArchiveOptions {
  enum class OutputMode { Composed, Individual };
  enum class StreamMode { Auto, Manual };

  std::string sessionId;
  std::string name;
  bool hasAudio = true;
  bool hasVideo = true;
  OutputMode outputMode = OutputMode::Composed;
  StreamMode streamMode = StreamMode::Auto;
  std::string resolution = "640x480";  // composed only
  std::string layoutType = "bestFit";  // composed only
  std::string layoutStylesheet;        // layoutType "custom"
  std::string screenshareType;         // layoutType "bestFit"
  std::string multiArchiveTag;
  std::optional<std::int64_t> maxBitrate;             // bits per second
  std::optional<std::int64_t> quantizationParameter;  // 15–40

  static constexpr std::size_t kMaxNameLength = 1000;
  static constexpr std::size_t kMaxTagLength = 1000;
  static constexpr std::size_t kMaxStylesheetBytes = 16 * 1024;
  static constexpr std::int64_t kMinBitrate = 100000;
  static constexpr std::int64_t kMaxBitrate = 6000000;

  // The body of POST /v2/project/{key}/archive. Error::Invalid (→ 400) names the field.
  static Result<ArchiveOptions> parse(const Json& body);
  // The layout of PUT …/archive/{id}/layout (the same rules as at start).
  static Result<ArchiveOptions> parseLayout(const Json& body);

  static const char* outputModeName(OutputMode m);
  static const char* streamModeName(StreamMode m);
};

}  // namespace parley::core
