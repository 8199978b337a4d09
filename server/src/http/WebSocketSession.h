#pragma once

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/ConnectionAdmission.h"
#include "http/MessagePump.h"
#include "http/WebSocket.h"
#include "http/WebSocketFrameReader.h"
#include "http/WebSocketFrameWriter.h"
#include "obs/LogLimiter.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::http {

// An accepted WebSocket after the upgrade request (RFC 6455), on a TCP or TLS stream.
//
// Writes are coalesced: while one write is in flight, every frame sent meanwhile is
// appended to one buffer that leaves in the next write, so a burst to a socket costs a
// few system calls rather than one per frame. Reads fill a small buffer; the messages in
// it are handed to the upper layer by the MessagePump, a slice of the thread at a time,
// and the socket is read again only when they are all consumed.
//
// Holds the upper layer's handler; the handler holds only a weak reference back (through
// WebSocketSink). Control thread only.
template <class Stream>
class WebSocketSession final : public WebSocketSink,
                               public MessagePump::Source,
                               public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  struct Limits {
    std::size_t maxMessageBytes;
    std::size_t maxQueueBytes;  // unsent bytes before the peer is dropped as too slow
  };

  WebSocketSession(Stream&& stream, std::string remote,
                   std::shared_ptr<ConnectionAdmission::Ticket> ticket,
                   std::shared_ptr<MessagePump> pump, Limits limits,
                   std::shared_ptr<WebSocketHandler> handler)
      : stream_(std::move(stream)),
        remote_(std::move(remote)),
        ticket_(std::move(ticket)),
        pump_(std::move(pump)),
        limits_(limits),
        reader_(limits.maxMessageBytes),
        handler_(std::move(handler)) {}

  // Sends the 101 response and starts. `early` holds bytes the client sent after its
  // upgrade request, already read by the HTTP layer.
  void start(std::string_view response, std::string_view early) {
    boost::beast::get_lowest_layer(stream_).expires_never();
    pending_.assign(response);
    in_.resize(std::max(kReadBytes, early.size()));
    std::copy(early.begin(), early.end(), in_.begin());
    inEnd_ = early.size();
    open_ = true;
    flush();
    handler_->onOpen(this->shared_from_this());
    if (!open_) return;
    if (inEnd_ > 0) {
      enqueue();
    } else {
      startRead();
    }
  }

  void sendBinary(std::string_view message) override {
    if (!open_ || closeSent_ || dropped_) return;
    const std::size_t queued = pending_.size() + inflight_.size();
    // One message larger than the limit (a big session's state) may go out alone; a
    // backlog behind it may not.
    if (queued > 0 &&
        queued + WebSocketFrameWriter::frameBytes(message.size()) > limits_.maxQueueBytes) {
      drop(queued);
      return;
    }
    WebSocketFrameWriter::append(pending_, WebSocketFrameWriter::Opcode::Binary, message);
    flush();
  }

  void close(std::uint16_t code) override {
    if (!open_ || closeSent_ || dropped_) return;
    sendClose(code);
  }

  const std::string& remoteAddress() const override { return remote_; }

  bool deliverOne() override {
    if (!open_ || dropped_) {
      queued_ = false;
      return false;
    }
    WebSocketFrameReader::Event event;
    const std::size_t used =
        reader_.next(std::span<char>(in_.data() + inBegin_, inEnd_ - inBegin_), event);
    inBegin_ += used;
    using Kind = WebSocketFrameReader::Kind;
    switch (event.kind) {
      case Kind::None:
        if (used > 0) return true;  // a fragment; the message continues
        queued_ = false;
        readMore();
        return false;
      case Kind::Message:
        // After our close frame the peer's data is read only to find its close.
        if (!closeSent_ && handler_) handler_->onMessage(std::string(event.payload), event.binary);
        break;
      case Kind::Ping:
        if (!closeSent_) {
          WebSocketFrameWriter::append(pending_, WebSocketFrameWriter::Opcode::Pong, event.payload);
          flush();
        }
        break;
      case Kind::Pong:
        break;
      case Kind::Close:
        queued_ = false;
        closeReceived_ = true;
        if (closeSent_) {
          end();  // our close is answered
        } else {
          sendClose(event.closeCode == 1005 ? 1000 : event.closeCode);
        }
        return false;
      case Kind::Error:
        queued_ = false;
        protocolError(event);
        return false;
    }
    if (!open_ || dropped_) {
      queued_ = false;
      return false;
    }
    if (inBegin_ < inEnd_) return true;
    queued_ = false;
    readMore();
    return false;
  }

 private:
  static constexpr std::size_t kReadBytes = 4096;
  // Buffers above this are given back once empty, so an idle socket holds little memory.
  static constexpr std::size_t kKeepBytes = 16384;
  static constexpr std::chrono::seconds kCloseWait{5};

  void enqueue() {
    if (queued_) return;
    queued_ = true;
    pump_->ready(this->shared_from_this());
  }

  // Everything buffered is consumed up to a partial frame: make room and read.
  void readMore() {
    if (readEnded_) {
      end();
      return;
    }
    if (inBegin_ > 0) {
      std::copy(in_.begin() + static_cast<std::ptrdiff_t>(inBegin_),
                in_.begin() + static_cast<std::ptrdiff_t>(inEnd_), in_.begin());
      inEnd_ -= inBegin_;
      inBegin_ = 0;
    }
    const std::size_t want = std::max(kReadBytes, reader_.needBytes());
    if (in_.size() < want || (inEnd_ == 0 && in_.size() > kKeepBytes)) {
      std::vector<char> resized(std::max(want, inEnd_));
      std::copy(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(inEnd_), resized.begin());
      in_.swap(resized);
    }
    if (inEnd_ == 0 && reader_.heldBytes() == 0) reader_.releaseMemory();
    startRead();
  }

  void startRead() {
    if (reading_ || readEnded_ || dropped_) return;
    reading_ = true;
    stream_.async_read_some(
        boost::asio::buffer(in_.data() + inEnd_, in_.size() - inEnd_),
        [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t bytes) {
          self->onRead(ec, bytes);
        });
  }

  void onRead(const boost::beast::error_code& ec, std::size_t bytes) {
    reading_ = false;
    if (ec || dropped_) {
      readEnded_ = true;
      if (!queued_) end();
      return;
    }
    inEnd_ += bytes;
    enqueue();
  }

  void flush() {
    if (writing_ || pending_.empty() || dropped_) return;
    writing_ = true;
    inflight_.swap(pending_);
    boost::asio::async_write(
        stream_, boost::asio::buffer(inflight_),
        [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t) {
          self->onWritten(ec);
        });
  }

  void onWritten(const boost::beast::error_code& ec) {
    writing_ = false;
    inflight_.clear();
    if (inflight_.capacity() > kKeepBytes) std::string().swap(inflight_);
    if (ec || dropped_) {
      pending_.clear();
      end();
      return;
    }
    if (!pending_.empty()) {
      flush();
      return;
    }
    if (pending_.capacity() > kKeepBytes) std::string().swap(pending_);
    if (closeSent_) afterCloseSent();
  }

  void sendClose(std::uint16_t code) {
    closeSent_ = true;
    WebSocketFrameWriter::appendClose(pending_, code);
    flush();
  }

  // Our close frame has left. Answering the peer's close, or after a protocol error, the
  // connection ends now; otherwise the peer has a few seconds to answer.
  void afterCloseSent() {
    if (closeReceived_ || failed_ || readEnded_) {
      end();
      return;
    }
    closeTimer_ = std::make_unique<boost::asio::steady_timer>(stream_.get_executor());
    closeTimer_->expires_after(kCloseWait);
    closeTimer_->async_wait([self = this->shared_from_this()](const boost::beast::error_code& ec) {
      if (!ec) self->end();
    });
    if (!queued_ && !reading_) readMore();
  }

  void protocolError(const WebSocketFrameReader::Event& event) {
    static obs::LogLimiter limiter;
    std::uint64_t suppressed = 0;
    if (limiter.allow(&suppressed))
      obs::Logger::info("websocket protocol error, closing",
                        {{"remote", remote_},
                         {"error", std::string(event.payload)},
                         {"code", static_cast<long long>(event.closeCode)},
                         {"suppressed", static_cast<long long>(suppressed)}});
    obs::Metrics::instance()
        .counter("parley_websocket_protocol_errors_total",
                 "WebSockets closed for breaking RFC 6455 (bad frames, oversize messages)")
        .add();
    failed_ = true;
    if (closeSent_) {
      end();
    } else {
      sendClose(event.closeCode);
    }
  }

  // A reader too slow for what it is sent: no close handshake (it would queue behind the
  // backlog), the socket is shut at once. An in-flight write keeps its own buffer until it
  // completes; the upper layer hears of the close from a fresh handler, never from inside
  // its own send.
  void drop(std::size_t queued) {
    static obs::LogLimiter limiter;
    std::uint64_t suppressed = 0;
    if (limiter.allow(&suppressed))
      obs::Logger::warn("websocket peer too slow, dropping it",
                        {{"remote", remote_},
                         {"queuedBytes", static_cast<long long>(queued)},
                         {"suppressed", static_cast<long long>(suppressed)}});
    obs::Metrics::instance()
        .counter("parley_websocket_slow_drops_total", "WebSockets dropped for not reading")
        .add();
    dropped_ = true;
    pending_.clear();
    closeSocket();
    boost::asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->end(); });
  }

  void closeSocket() {
    boost::beast::error_code ignored;
    auto& socket = boost::beast::get_lowest_layer(stream_).socket();
    socket.shutdown(boost::asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
  }

  // The WebSocket is over: the socket is closed and the handler told, once.
  void end() {
    closeSocket();
    if (closeTimer_) closeTimer_->cancel();
    if (!open_) return;
    open_ = false;
    if (auto handler = std::move(handler_)) handler->onClose();
    handler_.reset();
  }

  Stream stream_;
  std::string remote_;
  std::shared_ptr<ConnectionAdmission::Ticket> ticket_;  // counts the socket while it lives
  std::shared_ptr<MessagePump> pump_;
  Limits limits_;
  WebSocketFrameReader reader_;
  std::shared_ptr<WebSocketHandler> handler_;
  std::vector<char> in_;  // received bytes; [inBegin_, inEnd_) not yet consumed
  std::size_t inBegin_ = 0;
  std::size_t inEnd_ = 0;
  std::string pending_;   // frames waiting for the next write
  std::string inflight_;  // the write in progress
  std::unique_ptr<boost::asio::steady_timer> closeTimer_;
  bool open_ = false;  // until the handler is told of the close
  bool reading_ = false;
  bool readEnded_ = false;  // the peer closed or the socket failed
  bool queued_ = false;     // in the pump's queue
  bool writing_ = false;
  bool closeSent_ = false;
  bool closeReceived_ = false;
  bool failed_ = false;  // protocol error: close without waiting for the peer
  bool dropped_ = false;
};

}  // namespace parley::http
