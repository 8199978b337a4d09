#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>

namespace parley::http {

// Does the WebSocket work of the control thread in bounded slices of its time: hands
// inbound messages to the upper layer and outbound bytes to the kernel, one step per socket
// in turn. A read completion only stores bytes and a send only appends to a buffer; both
// queue the socket here. So what one message costs (a signal fanned out to a thousand
// connections, then a thousand writes) is paid a slice at a time, and between slices the
// thread gets to everything else: HTTP requests, timers and other sessions. A socket whose
// messages wait here is not read, so TCP pushes back on a client that sends faster than
// it is served. Control thread only.
class MessagePump : public std::enable_shared_from_this<MessagePump> {
 public:
  // A socket with work: buffered input, or output to write.
  class Source {
   public:
    virtual ~Source() = default;
    // Does one step: at most one write and one inbound message. True when work is left: the
    // source stays queued. False: it left the queue, and calls ready() when it has work again.
    virtual bool step() = 0;
  };

  struct Options {
    // A slice lasts as long as the rest of the loop took since the previous one, within
    // these bounds: the pump gets at least half the thread when both are busy, and what
    // waits behind a slice (an HTTP request) waits at most about maxSlice per loop turn.
    std::chrono::microseconds minSlice{4000};
    std::chrono::microseconds maxSlice{10000};
  };

  // Always held by a shared_ptr: a scheduled slice keeps the pump alive.
  MessagePump(boost::asio::io_context& io, Options options);

  // Queues a source that has work (at most once; the source tracks whether it is queued).
  void ready(std::shared_ptr<Source> source);
  std::size_t queued() const { return queue_.size(); }
  // Steps taken since the start: unchanged between two looks means no WebSocket work.
  std::uint64_t steps() const { return steps_; }
  // Forgets every queued source (the server is stopping), so none is kept alive by it.
  void clear() { queue_.clear(); }

 private:
  void schedule();
  void run();

  boost::asio::io_context& io_;
  Options options_;
  std::deque<std::shared_ptr<Source>> queue_;
  bool scheduled_ = false;
  std::uint64_t steps_ = 0;
  std::chrono::steady_clock::time_point lastSliceEnd_{};
};

}  // namespace parley::http
