#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace parley::app {

// Gives the kernel back the heap a burst left free. After a thousand clients join at once
// or a storm of signals, glibc keeps the freed memory (several hundred kB per connection)
// in its arenas and RSS stays at its peak; malloc_trim returns the free pages, holes
// included. It walks the heap (tens of milliseconds for a gigabyte) and holds the
// allocator's lock meanwhile, so it runs after a whole interval in which the control thread
// did no WebSocket work, and only when enough of the heap is free. A thousand clients
// pinging keep the control thread from ever being idle for a second, though, and the heap a
// join storm left free would stay for the life of the session: while busy it also trims,
// at most once per busyInterval. The one place that calls glibc's allocator interface;
// elsewhere (no glibc) it does nothing.
class HeapTrimmer {
 public:
  struct Options {
    std::chrono::milliseconds interval{1000};
    std::size_t minFreeBytes = std::size_t(16) << 20;  // free heap that is worth a trim
    std::chrono::milliseconds busyInterval{10000};     // between trims while never quiet
  };

  // Whether to trim now: enough free heap, and either a quiet interval just passed or
  // busyInterval since the last trim (or since start).
  static bool due(const Options& options, bool quiet, std::size_t freeBytes,
                  std::chrono::steady_clock::duration sinceLastTrim);

  // Whether to walk the heap at all this interval: mallinfo2 visits every free chunk (over a
  // millisecond once a thousand subscribers' state is on the heap), so a quiet server looks
  // once per quiet spell and a busy one once per busyInterval.
  static bool worthLooking(const Options& options, bool quiet, bool lookedThisQuietSpell,
                           std::chrono::steady_clock::duration sinceLastLook);

  // `work` counts what the control thread has done; a trim waits for an interval in which
  // it did not move.
  HeapTrimmer(boost::asio::io_context& io, Options options, std::function<std::uint64_t()> work);
  ~HeapTrimmer();
  void start();
  void stop();

  // Free bytes the allocator holds, and bytes in use (0 without glibc).
  static std::size_t freeHeapBytes();
  static std::size_t usedHeapBytes();
  // Trims now; returns whether anything was released.
  static bool trim();

 private:
  void schedule();
  void check();

  boost::asio::steady_timer timer_;
  Options options_;
  std::function<std::uint64_t()> work_;
  std::uint64_t lastWork_ = 0;
  std::chrono::steady_clock::time_point lastTrim_;
  std::chrono::steady_clock::time_point lastLook_;
  bool lookedThisQuietSpell_ = false;
  bool stopped_ = false;
};

}  // namespace parley::app
