#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>

namespace parley::http {

// Hands inbound WebSocket messages to the upper layer in bounded slices of the control
// thread's time, one message per socket in turn. A read completion only stores bytes and
// joins the queue, so what one message costs (a signal fanned out to a thousand
// connections) is paid here, a slice at a time, and between slices the thread gets to
// everything else: HTTP requests, timers, writes and other sessions' sockets. A socket
// whose messages wait here is not read, so TCP pushes back on a client that sends faster
// than it is served. Control thread only.
class MessagePump : public std::enable_shared_from_this<MessagePump> {
 public:
  // Something with buffered input.
  class Source {
   public:
    virtual ~Source() = default;
    // Hands over at most one message (or handles one control frame). True when more may be
    // buffered: the source stays queued. False: it left the queue (it reads again, or is
    // closed), and it calls ready() when it has input again.
    virtual bool deliverOne() = 0;
  };

  struct Options {
    // A slice lasts as long as the rest of the loop took since the previous one, within
    // these bounds: the pump gets about half the thread when both are busy.
    std::chrono::microseconds minSlice{2000};
    std::chrono::microseconds maxSlice{8000};
  };

  // Always held by a shared_ptr: a scheduled slice keeps the pump alive.
  MessagePump(boost::asio::io_context& io, Options options);

  // Queues a source that has input (at most once; the source tracks whether it is queued).
  void ready(std::shared_ptr<Source> source);
  std::size_t queued() const { return queue_.size(); }
  // Forgets every queued source (the server is stopping), so none is kept alive by it.
  void clear() { queue_.clear(); }

 private:
  void schedule();
  void run();

  boost::asio::io_context& io_;
  Options options_;
  std::deque<std::shared_ptr<Source>> queue_;
  bool scheduled_ = false;
  std::chrono::steady_clock::time_point lastSliceEnd_{};
};

}  // namespace parley::http
