// Acknowledgement bookkeeping on the control thread (issue 10 item 6): the cost of one
// acknowledgement must not grow with the number of unacknowledged messages, whatever order
// the client acknowledges in.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "signaling/UnackedMessages.h"

namespace parley::signaling {
namespace {

void ackBacklog(benchmark::State& state, bool newestFirst) {
  const int n = static_cast<int>(state.range(0));
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < n; ++i) ids.push_back(static_cast<std::uint64_t>(i) + 1);
  const auto message = std::make_shared<const UnackedMessages::Message>(
      UnackedMessages::Message{"from", std::string(300, 'x')});
  for (auto _ : state) {
    state.PauseTiming();
    UnackedMessages u(
        {.maxCount = static_cast<std::size_t>(n) + 1, .maxBytes = std::size_t(1) << 30});
    for (auto id : ids) u.push(id, message, 300);
    state.ResumeTiming();
    if (newestFirst) {
      for (int i = n - 1; i >= 0; --i) benchmark::DoNotOptimize(u.ack(ids[i]));
    } else {
      for (auto id : ids) benchmark::DoNotOptimize(u.ack(id));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);  // items/s: acknowledgements per second
}

void BM_AckOldestFirst(benchmark::State& state) {
  ackBacklog(state, false);
}
void BM_AckNewestFirst(benchmark::State& state) {
  ackBacklog(state, true);
}

BENCHMARK(BM_AckOldestFirst)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_AckNewestFirst)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace parley::signaling
