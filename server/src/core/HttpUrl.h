#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

// An absolute http:// or https:// URL split into what an HTTP client needs. Strict on
// purpose: webhook URLs come from API callers and end up in request lines.
struct HttpUrl {
  bool secure = false;
  std::string host;  // IPv6 literals without brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"; the fragment is dropped

  // nullopt for other schemes, credentials in the authority (user:pass@), a missing or
  // malformed host or port, or whitespace and control characters anywhere.
  static std::optional<HttpUrl> parse(std::string_view url);
  // "host:port" for the Host header, with brackets around IPv6 literals and the port
  // omitted when it is the scheme's default.
  std::string hostHeader() const;
};

}  // namespace parley::core
