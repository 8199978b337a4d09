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
#include <type_traits>
#include <vector>

#include "http/ConnectionAdmission.h"
#include "http/MessagePump.h"
#include "http/OutputBuffer.h"
#include "http/WebSocket.h"
#include "http/WebSocketFrameReader.h"
#include "http/WebSocketFrameWriter.h"
#include "obs/LogLimiter.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::http {

// An accepted WebSocket after the upgrade request (RFC 6455), on a TCP or TLS stream.
//
// The MessagePump drives both directions, a slice of the thread at a time. Writes are
// coalesced: frames are appended to an OutputBuffer that the pump writes, a block per turn,
// so a burst to a socket costs a few system calls, not one per frame. Reads fill a small
// buffer whose messages the pump hands to the upper layer one per turn; the socket is read
// again only when they are all consumed.
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
    out_.append(response);
    in_.resize(std::max(kReadBytes, early.size()));
    std::copy(early.begin(), early.end(), in_.begin());
    inEnd_ = early.size();
    open_ = true;
    flush();
    handler_->onOpen(this->shared_from_this());
    if (!open_) return;
    if (inEnd_ > 0) {
      inputReady_ = true;
      enqueue();
    } else {
      startRead();
    }
  }

  void sendBinary(std::string_view message) override {
    if (!open_ || closeSent_ || dropped_) return;
    queueFrame(WebSocketFrameWriter::Opcode::Binary, message);
  }

  void close(std::uint16_t code) override {
    if (!open_ || closeSent_ || dropped_) return;
    sendClose(code);
  }

  const std::string& remoteAddress() const override { return remote_; }

  bool step() override {
    if (!open_ || dropped_) {
      queued_ = false;
      return false;
    }
    flush();
    if (inputReady_) deliverOne();
    if (!open_ || dropped_) {
      queued_ = false;
      return false;
    }
    if (inputReady_ || (!writing_ && hasOutput())) return true;
    queued_ = false;
    return false;
  }

 private:
  static constexpr bool kPlainTcp = std::is_same_v<Stream, boost::beast::tcp_stream>;
  static constexpr std::size_t kReadBytes = 4096;
  // A read buffer above this is given back once empty; output buffers always are.
  static constexpr std::size_t kKeepBytes = 16384;
  static constexpr std::chrono::seconds kCloseWait{5};

  // Handles the next frame in the input buffer; when only part of one is there, reads.
  void deliverOne() {
    WebSocketFrameReader::Event event;
    const std::size_t used =
        reader_.next(std::span<char>(in_.data() + inBegin_, inEnd_ - inBegin_), event);
    inBegin_ += used;
    using Kind = WebSocketFrameReader::Kind;
    switch (event.kind) {
      case Kind::None:
        if (used == 0) readMore();  // else a fragment: the message continues
        return;
      case Kind::Message:
        // After our close frame the peer's data is read only to find its close.
        if (!closeSent_ && handler_) handler_->onMessage(std::string(event.payload), event.binary);
        break;
      case Kind::Ping:
        // A pong costs the same queue as any frame: a peer that pings and never reads is
        // dropped like any other slow reader, not given an endless backlog of pongs.
        if (!closeSent_) queueFrame(WebSocketFrameWriter::Opcode::Pong, event.payload);
        break;
      case Kind::Pong:
        break;
      case Kind::Close:
        inputReady_ = false;
        closeReceived_ = true;
        if (closeSent_) {
          end();  // our close is answered
        } else {
          sendClose(event.closeCode == 1005 ? 1000 : event.closeCode);
        }
        return;
      case Kind::Error:
        inputReady_ = false;
        protocolError(event);
        return;
    }
    if (inBegin_ == inEnd_ && open_ && !dropped_) readMore();
  }

  void enqueue() {
    if (queued_) return;
    queued_ = true;
    pump_->ready(this->shared_from_this());
  }

  // Everything buffered is consumed up to a partial frame: make room and read.
  void readMore() {
    inputReady_ = false;
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
    const bool waitsWithoutBuffer = kPlainTcp && inEnd_ == 0;
    if ((!waitsWithoutBuffer && in_.size() < want) || (inEnd_ == 0 && in_.size() > kKeepBytes)) {
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
    if constexpr (kPlainTcp) {
      if (inEnd_ == 0) {
        // Nothing half-read: an idle socket holds no read buffer, only a wait for input
        // (a thousand idle clients would otherwise keep 4 KiB each).
        std::vector<char>().swap(in_);
        stream_.socket().async_wait(
            boost::asio::socket_base::wait_read,
            [self = this->shared_from_this()](const boost::beast::error_code& ec) {
              self->onReadable(ec);
            });
        return;
      }
    }
    stream_.async_read_some(
        boost::asio::buffer(in_.data() + inEnd_, in_.size() - inEnd_),
        [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t bytes) {
          self->onRead(ec, bytes);
        });
  }

  // Plain TCP only: input arrived on a socket that had none; read it now.
  void onReadable(const boost::beast::error_code& ec) {
    if (ec) {
      onRead(ec, 0);
      return;
    }
    in_.resize(std::max(kReadBytes, reader_.needBytes()));
    boost::beast::error_code readError;
    auto& socket = stream_.socket();
    socket.non_blocking(true, readError);
    const std::size_t bytes = socket.read_some(boost::asio::buffer(in_), readError);
    if (readError == boost::asio::error::would_block ||
        readError == boost::asio::error::try_again) {
      reading_ = false;  // woken without data after all: wait again
      startRead();
      return;
    }
    onRead(readError, bytes);
  }

  void onRead(const boost::beast::error_code& ec, std::size_t bytes) {
    reading_ = false;
    if (ec || dropped_) {
      readEnded_ = true;
      if (!inputReady_) end();
      return;
    }
    inEnd_ += bytes;
    inputReady_ = true;
    enqueue();
  }

  bool hasOutput() const { return !out_.empty(); }
  std::size_t unsentBytes() const { return out_.size(); }

  // Queues a frame for the peer, unless what it has left unread would pass the limit: then
  // it is dropped. One message larger than the limit (a big session's state) may go out
  // alone; a backlog behind it may not.
  void queueFrame(WebSocketFrameWriter::Opcode opcode, std::string_view payload) {
    const std::size_t queued = unsentBytes();
    if (queued > 0 &&
        queued + WebSocketFrameWriter::frameBytes(payload.size()) > limits_.maxQueueBytes) {
      drop(queued);
      return;
    }
    appendFrame(opcode, payload);
    enqueue();
  }

  void appendFrame(WebSocketFrameWriter::Opcode opcode, std::string_view payload) {
    char header[WebSocketFrameWriter::kMaxHeaderBytes];
    out_.append(
        std::string_view(header, WebSocketFrameWriter::header(opcode, payload.size(), header)));
    out_.append(payload);
  }

  // One write of at most a block (OutputBuffer::kBlockBytes): a socket's backlog leaves a
  // block per turn, so no single step (nor the reactor finishing writes for many sockets at
  // once) copies megabytes while an HTTP request waits.
  void flush() {
    if (writing_ || dropped_) return;
    const std::string_view chunk = out_.front();
    if (chunk.empty()) return;
    writing_ = true;
    stream_.async_write_some(
        boost::asio::buffer(chunk.data(), chunk.size()),
        [self = this->shared_from_this()](boost::beast::error_code ec, std::size_t bytes) {
          self->onWritten(ec, bytes);
        });
  }

  void onWritten(const boost::beast::error_code& ec, std::size_t bytes) {
    writing_ = false;
    if (ec || dropped_) {
      out_.clear();
      end();
      return;
    }
    out_.consume(bytes);
    if (hasOutput()) {
      enqueue();
      return;
    }
    if (closeSent_) afterCloseSent();
  }

  void sendClose(std::uint16_t code) {
    closeSent_ = true;
    const char body[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
    appendFrame(WebSocketFrameWriter::Opcode::Close, std::string_view(body, 2));
    enqueue();
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
    if (!inputReady_ && !reading_) readMore();
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
    // A write in flight may still read the front block: its completion clears the rest.
    if (!writing_) out_.clear();
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
  OutputBuffer out_;  // frames not written yet
  std::unique_ptr<boost::asio::steady_timer> closeTimer_;
  bool open_ = false;  // until the handler is told of the close
  bool reading_ = false;
  bool readEnded_ = false;   // the peer closed or the socket failed
  bool inputReady_ = false;  // the input buffer may hold a whole frame
  bool queued_ = false;      // in the pump's queue
  bool writing_ = false;
  bool closeSent_ = false;
  bool closeReceived_ = false;
  bool failed_ = false;  // protocol error: close without waiting for the peer
  bool dropped_ = false;
};

}  // namespace parley::http
