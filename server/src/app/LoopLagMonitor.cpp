#include "app/LoopLagMonitor.h"

#include <algorithm>
#include <utility>

#include "core/TimerGrid.h"
#include "obs/Metrics.h"

namespace parley::app {

LoopLagMonitor::LoopLagMonitor(boost::asio::io_context& io, std::chrono::milliseconds tick)
    : timer_(io), tick_(tick) {}

LoopLagMonitor::~LoopLagMonitor() {
  // The gauge reads this object; the registry outlives it.
  obs::Metrics::instance().gauge("parley_control_loop_lag_max_seconds",
                                 "Largest delay of the control thread since the last scrape", {});
}

void LoopLagMonitor::start() {
  stopped_ = false;
  // /metrics is rendered on the control thread, so reading and resetting need no lock.
  obs::Metrics::instance().gauge("parley_control_loop_lag_max_seconds",
                                 "Largest delay of the control thread since the last scrape",
                                 [this] { return std::exchange(maxLagSeconds_, 0.0); });
  schedule();
}

void LoopLagMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

void LoopLagMonitor::schedule() {
  due_ = core::nextOnGrid(std::chrono::steady_clock::now(), tick_);
  timer_.expires_at(due_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    const double lag =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - due_).count();
    maxLagSeconds_ = std::max(maxLagSeconds_, lag);
    if (lag > 0.05)
      obs::Metrics::instance()
          .counter("parley_control_loop_lag_over_50ms_total",
                   "Times the control thread ran a timer more than 50 ms late")
          .add();
    schedule();
  });
}

}  // namespace parley::app
