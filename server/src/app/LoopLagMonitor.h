#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace parley::app {

// Measures how late the control thread runs a timer: the time a new HTTP request or a
// client's message can wait before the thread gets to it. Exported on /metrics as the
// largest lag since the previous scrape and a count of ticks later than 50 ms, so an
// operator (or a load script) sees a busy control thread without guessing from outside.
// The tick falls on the control thread's timer grid (core::nextOnGrid), with the Rumor
// sweep's steps, so the two wake the thread once.
class LoopLagMonitor {
 public:
  explicit LoopLagMonitor(boost::asio::io_context& io,
                          std::chrono::milliseconds tick = std::chrono::milliseconds(20));
  ~LoopLagMonitor();
  void start();
  void stop();

 private:
  void schedule();

  boost::asio::steady_timer timer_;
  std::chrono::milliseconds tick_;
  std::chrono::steady_clock::time_point due_;
  double maxLagSeconds_ = 0;  // since the last scrape; read and reset on the control thread
  bool stopped_ = false;
};

}  // namespace parley::app
