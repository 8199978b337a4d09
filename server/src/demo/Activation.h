#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::demo {

// Whether parleyd serves the demo (the web app at / and GET /demo/token). The token
// endpoint lets anyone who reaches it join any room, which is right for a developer's
// own machine and wrong for a public server: so it is on by default only when nobody
// else can reach it — a loopback listen address *and* a loopback public URL. A loopback
// listen address behind a reverse proxy (the documented proxy setup, with --public-url
// https://…) is reachable by the whole internet through the proxy.
struct Activation {
  bool enabled = false;
  // Enabled explicitly where others can reach it: worth a warning at start.
  bool exposed = false;
  // Why the demo is reachable by others (for the warning), empty when it is not.
  std::string exposure;

  // `requested`: --demo (true), --no-demo (false) or neither (nullopt). `publicUrl`: the
  // URL clients are told to use (explicit or derived from the listen address).
  static Activation decide(std::optional<bool> requested, std::string_view listenHost,
                           std::string_view publicUrl);
  // 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost"; not the wildcard addresses.
  static bool isLoopbackHost(std::string_view host);
};

}  // namespace parley::demo
