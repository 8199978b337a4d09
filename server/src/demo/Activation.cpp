#include "demo/Activation.h"

#include <arpa/inet.h>

#include <cctype>
#include <string>

#include "core/AsciiCase.h"
#include "core/HttpUrl.h"

namespace parley::demo {

bool Activation::isLoopbackHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (core::equalsIgnoringCase(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // ::ffff:127.x.y.z reaches the IPv4 loopback.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

Activation Activation::decide(std::optional<bool> requested, std::string_view listenHost,
                              std::string_view publicUrl) {
  Activation a;
  if (!isLoopbackHost(listenHost)) {
    a.exposure = "the listen address " + std::string(listenHost) + " is not a loopback address";
  } else if (const auto url = core::HttpUrl::parse(publicUrl); !url || !isLoopbackHost(url->host)) {
    // Behind a reverse proxy the listen address says nothing about who can connect.
    a.exposure = "the public URL " + std::string(publicUrl) + " is not a loopback address";
  }
  const bool loopback = a.exposure.empty();
  a.enabled = requested.value_or(loopback);
  a.exposed = a.enabled && !loopback;
  if (!a.exposed) a.exposure.clear();
  return a;
}

}  // namespace parley::demo
