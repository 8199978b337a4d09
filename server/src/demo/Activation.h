#pragma once

#include <optional>
#include <string_view>

namespace parley::demo {

// Whether parleyd serves the demo (the web app at / and GET /demo/token). The token
// endpoint lets anyone who reaches it join any room, which is right for a developer's
// own machine and wrong for a public server: so it is on by default only on loopback.
struct Activation {
  bool enabled = false;
  // Enabled explicitly on an address others can reach: worth a warning at start.
  bool exposed = false;

  // `requested`: --demo (true), --no-demo (false) or neither (nullopt).
  static Activation decide(std::optional<bool> requested, std::string_view listenHost);
  // 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost"; not the wildcard addresses.
  static bool isLoopbackHost(std::string_view host);
};

}  // namespace parley::demo
