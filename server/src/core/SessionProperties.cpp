#include "core/SessionProperties.h"

#include "core/AsciiCase.h"

namespace parley::core {

std::string_view mediaModeName(MediaMode m) {
  return m == MediaMode::Routed ? "routed" : "relayed";
}

std::optional<MediaMode> parseMediaMode(std::string_view s) {
  if (s == "routed") return MediaMode::Routed;
  if (s == "relayed") return MediaMode::Relayed;
  return std::nullopt;
}

std::string_view archiveModeName(ArchiveMode m) {
  return m == ArchiveMode::Always ? "always" : "manual";
}

std::optional<ArchiveMode> parseArchiveMode(std::string_view s) {
  if (s == "manual") return ArchiveMode::Manual;
  if (s == "always") return ArchiveMode::Always;
  return std::nullopt;
}

std::optional<std::string> parseVideoCodec(std::string_view s) {
  for (std::string_view known : {"vp8", "vp9", "h264"})
    if (equalsIgnoringCase(s, known)) return std::string(known);
  return std::nullopt;
}

}  // namespace parley::core
