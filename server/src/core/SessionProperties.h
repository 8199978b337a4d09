#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

enum class MediaMode { Routed, Relayed };
enum class ArchiveMode { Manual, Always };

std::string_view mediaModeName(MediaMode m);  // "routed" / "relayed"
std::optional<MediaMode> parseMediaMode(std::string_view s);
std::string_view archiveModeName(ArchiveMode m);  // "manual" / "always"
std::optional<ArchiveMode> parseArchiveMode(std::string_view s);
// "vp8", "vp9" or "h264" in any case → its lower-case name; nullopt for anything else.
std::optional<std::string> parseVideoCodec(std::string_view s);

// The properties chosen at session creation (docs/protocol.md §3.4.1) that the server remembers.
struct SessionProperties {
  MediaMode mediaMode = MediaMode::Relayed;  // SDK default p2p.preference=enabled
  ArchiveMode archiveMode = ArchiveMode::Manual;
  std::string location;  // IPv4 hint or ""
  bool e2ee = false;
  std::string archiveName;
  std::string archiveResolution;
  // The video codec publishers are asked to prefer ("vp8", "vp9", "h264"), fixed at creation
  // from the request or the project; "" means the server's --video-codec.
  std::string videoCodec;
};

}  // namespace parley::core
