#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace parley::obs {

// A process-wide registry of counters and gauges rendered in the Prometheus text format
// at GET /metrics. Registration takes a lock; updating a counter is one relaxed atomic add.
class Metrics {
 public:
  class Counter {
   public:
    void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

   private:
    std::atomic<std::uint64_t> value_{0};
  };

  static Metrics& instance();

  // Returns the counter for (name, labels), creating it on first use. `labels` is the
  // Prometheus label body without braces, e.g. `route="session_create",status="200"`.
  // The reference stays valid for the life of the process.
  Counter& counter(std::string_view name, std::string_view help, std::string_view labels = {});
  // A gauge whose value is read when /metrics is rendered (called on the rendering thread).
  void gauge(std::string_view name, std::string_view help, std::function<double()> read);

  std::string render();

 private:
  struct CounterEntry {
    std::string name, help, labels;
    Counter counter;
  };
  struct GaugeEntry {
    std::string name, help;
    std::function<double()> read;
  };
  std::mutex mutex_;
  std::deque<CounterEntry> counters_;  // deque: stable addresses
  std::deque<GaugeEntry> gauges_;
};

}  // namespace parley::obs
