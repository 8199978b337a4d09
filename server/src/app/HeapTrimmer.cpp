#include "app/HeapTrimmer.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/TimerGrid.h"
#include "obs/Metrics.h"

namespace parley::app {

HeapTrimmer::HeapTrimmer(boost::asio::io_context& io, Options options,
                         std::function<std::uint64_t()> work)
    : timer_(io), options_(options), work_(std::move(work)) {}

HeapTrimmer::~HeapTrimmer() {
  auto& metrics = obs::Metrics::instance();
  metrics.gauge("parley_heap_used_bytes", "Heap bytes allocated (glibc mallinfo2)", {});
  metrics.gauge("parley_heap_free_bytes", "Heap bytes free but held by the allocator", {});
}

std::size_t HeapTrimmer::usedHeapBytes() {
#if defined(__GLIBC__)
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

std::size_t HeapTrimmer::freeHeapBytes() {
#if defined(__GLIBC__)
  return mallinfo2().fordblks;
#else
  return 0;
#endif
}

bool HeapTrimmer::trim() {
#if defined(__GLIBC__)
  return malloc_trim(0) != 0;
#else
  return false;
#endif
}

bool HeapTrimmer::due(const Options& options, bool quiet, std::size_t freeBytes,
                      std::chrono::steady_clock::duration sinceLastTrim) {
  if (freeBytes < options.minFreeBytes) return false;
  return quiet || sinceLastTrim >= options.busyInterval;
}

bool HeapTrimmer::worthLooking(const Options& options, bool quiet, bool lookedThisQuietSpell,
                               std::chrono::steady_clock::duration sinceLastLook) {
  if (quiet) return !lookedThisQuietSpell;
  return sinceLastLook >= options.busyInterval;
}

void HeapTrimmer::start() {
  stopped_ = false;
  lastTrim_ = lastLook_ = std::chrono::steady_clock::now();
  auto& metrics = obs::Metrics::instance();
  metrics.gauge("parley_heap_used_bytes", "Heap bytes allocated (glibc mallinfo2)",
                [] { return static_cast<double>(usedHeapBytes()); });
  metrics.gauge("parley_heap_free_bytes", "Heap bytes free but held by the allocator",
                [] { return static_cast<double>(freeHeapBytes()); });
  schedule();
}

void HeapTrimmer::stop() {
  stopped_ = true;
  timer_.cancel();
}

void HeapTrimmer::schedule() {
  timer_.expires_at(core::nextOnGrid(std::chrono::steady_clock::now(), options_.interval));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    check();
    schedule();
  });
}

void HeapTrimmer::check() {
  const std::uint64_t work = work_ ? work_() : 0;
  const bool quiet = work == lastWork_;
  lastWork_ = work;
  const auto now = std::chrono::steady_clock::now();
  const bool look = worthLooking(options_, quiet, lookedThisQuietSpell_, now - lastLook_);
  lookedThisQuietSpell_ = quiet && (lookedThisQuietSpell_ || look);
  if (!look) return;
  lastLook_ = now;
  const std::size_t free = freeHeapBytes();
  if (!due(options_, quiet, free, now - lastTrim_)) return;
  lastTrim_ = now;
  if (!trim()) return;
  auto& metrics = obs::Metrics::instance();
  metrics.counter("parley_heap_trims_total", "Times free heap was given back to the kernel").add();
  metrics
      .counter("parley_heap_trimmed_bytes_total",
               "Free heap bytes held when it was given back to the kernel")
      .add(free);
}

}  // namespace parley::app
