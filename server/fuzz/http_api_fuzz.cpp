// Feeds arbitrary requests through everything parleyd does with an HTTP request after
// parsing it: proxy-path stripping, routing, REST and client-token checks, form parsing,
// WHIP requests.
// Input layout: method \n target \n (header-name: value \n)* \n body.
#include <cstdint>
#include <string>
#include <string_view>

#include "http/ApiServer.h"
#include "obs/Logger.h"
#include "store/SqliteStore.h"

namespace {

struct Fixture {
  Fixture()
      : store(":memory:"),
        sessions(store, {},
                 [this](std::string_view key) -> std::optional<std::string> {
                   auto p = store.findProject(key);
                   return p ? std::optional(p->secret) : std::nullopt;
                 }),
        whip(sessions, {}),
        api({"http://127.0.0.1:5080", "127.0.0.1", 5090}, store, sessions, nullptr, &whip) {
    parley::obs::Logger::setLevel(parley::obs::Logger::Level::Error);
    store.insertProject({"12345678", "0123456789abcdef0123456789abcdef01234567", "fuzz", 1});
  }
  parley::store::SqliteStore store;
  parley::session::SessionManager sessions;
  parley::session::WhipWhepClients whip;
  parley::http::ApiServer api;
};

std::string_view nextLine(std::string_view& in) {
  auto nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  parley::http::HttpRequest request;
  request.method = std::string(nextLine(in));
  request.target = std::string(nextLine(in));
  while (!in.empty()) {
    std::string_view line = nextLine(in);
    if (line.empty()) break;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(line.substr(0, colon), value);
  }
  request.body = std::string(in);
  auto response = fixture.api.handle(request);
  if (response.status < 100 || response.status > 599) __builtin_trap();
  return 0;
}
