#include "http/MessagePump.h"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace parley::http {

MessagePump::MessagePump(boost::asio::io_context& io, Options options)
    : io_(io), options_(options) {}

void MessagePump::ready(std::shared_ptr<Source> source) {
  queue_.push_back(std::move(source));
  schedule();
}

void MessagePump::schedule() {
  if (scheduled_ || queue_.empty()) return;
  scheduled_ = true;
  // Posted, so that the slice runs after what the loop already has queued.
  boost::asio::post(io_, [self = shared_from_this()] { self->run(); });
}

void MessagePump::run() {
  scheduled_ = false;
  const auto start = std::chrono::steady_clock::now();
  auto others = lastSliceEnd_.time_since_epoch().count() == 0
                    ? options_.minSlice
                    : std::chrono::duration_cast<std::chrono::microseconds>(start - lastSliceEnd_);
  const auto slice = std::clamp(others, options_.minSlice, options_.maxSlice);
  const auto deadline = start + slice;
  auto now = start;
  while (!queue_.empty() && now < deadline) {
    auto source = std::move(queue_.front());
    queue_.pop_front();
    ++steps_;
    if (source->step()) queue_.push_back(std::move(source));
    now = std::chrono::steady_clock::now();
  }
  lastSliceEnd_ = now;
  schedule();
}

}  // namespace parley::http
