#pragma once

#include <string>
#include <string_view>

namespace parley::http {

// OpenTok.js with OT.setProxyUrl(P) requests P/<original host>/<original path>
// (docs/protocol.md §5.5), e.g. /anvil.opentok.com/session/… or
// /rumor.example:443/rumorwebsocketsv2. Our own routes never start with a host name, so a first
// segment that looks like a host (has a dot or a port, or is "localhost") is the proxied host and
// is dropped.
class ProxyPath {
 public:
  // `basePath` is the path of our public URL ("" or e.g. "/parley"); it is removed first.
  // The dropped host segment, if any, goes to `proxiedHost`.
  static std::string strip(std::string_view path, std::string_view basePath,
                           std::string* proxiedHost = nullptr);
  static bool looksLikeHost(std::string_view segment);
};

}  // namespace parley::http
