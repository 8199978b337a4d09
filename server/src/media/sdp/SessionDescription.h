// SDP (RFC 8866) session description model for the SFU: what Chrome's unified-plan offers carry
// (docs/protocol.md §8.1-8.3, 8.6). parse() never throws; unknown attributes are kept verbatim.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/sdp/MediaSection.h"

namespace parley::media::sdp {

struct Origin {
  std::string username;
  std::string sessionId;
  std::string sessionVersion;
  std::string netType;
  std::string addrType;
  std::string address;
  bool operator==(const Origin&) const = default;
};

class SessionDescription {
 public:
  static constexpr size_t kMaxBytes = 64 * 1024;
  static constexpr size_t kMaxMediaSections = 32;
  static constexpr size_t kMaxLines = 4096;

  // Parses `text` (CRLF or LF line ends). On failure returns nullopt and, if `error` is given,
  // stores "line N: reason" (or a limit message).
  static std::optional<SessionDescription> parse(std::string_view text,
                                                 std::string* error = nullptr);

  std::optional<Origin> origin;
  std::optional<std::vector<std::string>> bundle;        // a=group:BUNDLE mids
  bool iceLite = false;                                  // a=ice-lite
  std::optional<std::vector<std::string>> msidSemantic;  // a=msid-semantic tokens
  bool extmapAllowMixed = false;                         // a=extmap-allow-mixed
  std::vector<std::string> otherLines;       // non-v/o/a session lines (s=, t=, c=...) verbatim
  std::vector<std::string> otherAttributes;  // unknown session a= lines, text after "a="
  std::vector<MediaSection> media;

  bool operator==(const SessionDescription&) const = default;
};

}  // namespace parley::media::sdp
