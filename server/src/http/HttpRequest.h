#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::http {

// One parsed HTTP request, independent of the HTTP library that read it.
struct HttpRequest {
  std::string method;  // upper case as received, e.g. "GET"
  std::string target;  // raw request target, e.g. "/session/1_MX?extended=true"
  std::string path;    // target before '?', after routing prefixes were removed
  std::string query;   // after '?', without it
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remoteAddress;
  bool secure = false;
  // Sent by another node of the cluster on the client's behalf: answered here, never
  // forwarded again.
  bool forwarded = false;
  // The host OpenTok.js named as the first path segment behind OT.setProxyUrl (docs/protocol.md
  // §5.5), e.g. "media-2.example.com:443"; set by ApiServer::prepare, "" without one.
  std::string proxiedHost;

  // Case-insensitive header look-up; the last occurrence wins.
  std::optional<std::string_view> header(std::string_view name) const;
  // Value of a query parameter (percent-decoded), if present.
  std::optional<std::string> queryParam(std::string_view name) const;
};

}  // namespace parley::http
