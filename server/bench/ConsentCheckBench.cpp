// What the SFU does for each ICE connectivity or consent check a peer sends (RFC 7675: one
// every few seconds from every peer, so thousands a second on a busy worker): parse the
// Binding request, check USERNAME and MESSAGE-INTEGRITY, and write the signed success
// response. The HMAC key is the transport's, prepared once (stun::IntegrityKey).

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>

#include "media/ice/IceLiteAgent.h"
#include "media/net/SocketAddress.h"
#include "media/stun/StunMessage.h"

namespace parley::media {
namespace {

void BM_ConsentCheck(benchmark::State& state) {
  const std::string password = "serverpasswordserverpass";
  ice::IceLiteAgent agent("srvU", password);
  agent.setRemoteUfrag("brws");
  const std::array<uint8_t, 12> transaction{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::array<uint8_t, 256> request{};
  const size_t size =
      stun::StunMessage::buildBindingRequest(request.data(), request.size(), transaction.data(),
                                             "srvU:brws", password, 0x6e0001ff, false, 42);
  const auto from = net::SocketAddress::parse("127.0.0.1", 40000);
  if (size == 0 || !from) {
    state.SkipWithError("cannot build the check");
    return;
  }
  std::array<uint8_t, 256> response{};
  int64_t nowMs = 1;
  for (auto _ : state) {
    auto message = stun::StunMessage::parse(request.data(), size);
    if (!message) {
      state.SkipWithError("the check does not parse");
      break;
    }
    const auto outcome =
        agent.handleRequest(*message, *from, response.data(), response.size(), ++nowMs);
    if (!outcome.valid || outcome.responseSize == 0) {
      state.SkipWithError("the check was not accepted");
      break;
    }
    benchmark::DoNotOptimize(response.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConsentCheck);

}  // namespace
}  // namespace parley::media
