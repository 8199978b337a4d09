#include "http/HttpServer.h"

#include <algorithm>
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <optional>
#include <stdexcept>
#include <vector>

#include "http/ConnectionAdmission.h"
#include "http/MessagePump.h"
#include "http/WebSocketHandshake.h"
#include "http/WebSocketSession.h"
#include "obs/LogLimiter.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

using Logger = obs::Logger;
using Ticket = std::shared_ptr<ConnectionAdmission::Ticket>;

struct Shared {
  HttpServer::Options options;
  HttpServer::Handler handler;
  UpgradeHandler upgrade;
  std::shared_ptr<MessagePump> pump;
};

// One client connection; Stream is beast::tcp_stream or beast::ssl_stream of it.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  template <class... Args>
  Connection(std::shared_ptr<Shared> shared, std::string remote, Ticket ticket, Args&&... args)
      : shared_(std::move(shared)),
        remote_(std::move(remote)),
        ticket_(std::move(ticket)),
        stream_(std::forward<Args>(args)...) {}

  void start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(shared_->options.readTimeout);
      stream_.async_handshake(
          asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) {
              Logger::debug("tls handshake failed",
                            {{"remote", self->remote_}, {"error", ec.message()}});
              return;
            }
            self->readRequest();
          });
    } else {
      readRequest();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void readRequest() {
    parser_.emplace();
    parser_->body_limit(shared_->options.maxBodyBytes);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->options.maxHeaderBytes));
    beast::get_lowest_layer(stream_).expires_after(shared_->options.readTimeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::ssl::error::stream_truncated) {
      close();
      return;
    }
    if (ec) {
      // Malformed request: answer once and close, the stream position is unknown.
      int status = 400;
      std::string message = "Malformed HTTP request";
      if (ec == bhttp::error::body_limit) {
        status = 413;
        message = "Request body too large";
      } else if (ec == bhttp::error::header_limit) {
        status = 431;
        message = "Request headers too large";
      } else if (ec.category() != bhttp::make_error_code(bhttp::error::bad_target).category() ||
                 ec == bhttp::error::partial_message) {
        Logger::debug("http read failed", {{"remote", remote_}, {"error", ec.message()}});
        close();
        return;
      }
      Logger::warn("bad http request",
                   {{"remote", remote_}, {"status", status}, {"error", ec.message()}});
      obs::Metrics::instance()
          .counter("parley_http_errors_total", "HTTP responses with status >= 400", {})
          .add();
      send(HttpResponse::error(status, message, ec.message()), false);
      return;
    }

    auto& req = parser_->get();
    if (!framingIsUnambiguous(req)) {
      // RFC 9112 §6.1: a request whose body length two parties could read differently is
      // refused and the connection closed, so nothing behind it is read as a request.
      Logger::warn("bad http request",
                   {{"remote", remote_}, {"status", 400}, {"error", "ambiguous framing"}});
      send(HttpResponse::error(400, "Malformed HTTP request", "ambiguous Transfer-Encoding"),
           false);
      return;
    }
    if (beast::websocket::is_upgrade(req)) {
      upgrade(req);
      return;
    }
    bool keepAlive = req.keep_alive();
    const bool head = req.method() == bhttp::verb::head;
    HttpRequest request = toRequest(req);
    HttpResponse response = shared_->handler(request);
    if (auto deferred = std::move(response.deferred)) {
      // Nothing is read from this connection until the answer is sent.
      deferred->onReady([self = this->shared_from_this(), keepAlive, head](HttpResponse later) {
        self->send(std::move(later), keepAlive, head);
      });
      return;
    }
    send(std::move(response), keepAlive, head);
  }

  // Transfer-Encoding is only accepted as one header ending in "chunked", without a
  // Content-Length beside it.
  static bool framingIsUnambiguous(const bhttp::request<bhttp::string_body>& req) {
    const auto count = req.count(bhttp::field::transfer_encoding);
    if (count == 0) return true;
    if (count > 1 || req.count(bhttp::field::content_length)) return false;
    std::string_view te = req[bhttp::field::transfer_encoding];
    const auto comma = te.rfind(',');
    std::string_view last = comma == std::string_view::npos ? te : te.substr(comma + 1);
    while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
    while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
    return beast::iequals(last, "chunked");
  }

  HttpRequest toRequest(bhttp::request<bhttp::string_body>& req) {
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    for (const auto& field : req) request.headers.emplace_back(field.name_string(), field.value());
    request.body = std::move(req.body());
    request.remoteAddress = remote_;
    request.secure = kTls;
    return request;
  }

  void upgrade(bhttp::request<bhttp::string_body>& req) {
    if (req[bhttp::field::sec_websocket_version] != WebSocketHandshake::kVersion) {
      // RFC 6455 §4.4: name the version this server speaks.
      auto response = HttpResponse::error(426, "Upgrade required", "WebSocket version 13 only");
      response.headers.emplace_back("Sec-WebSocket-Version",
                                    std::string(WebSocketHandshake::kVersion));
      send(std::move(response), false);
      return;
    }
    auto accept = WebSocketHandshake::acceptValue(req[bhttp::field::sec_websocket_key]);
    if (!accept) {
      send(HttpResponse::error(400, "Malformed HTTP request", "bad Sec-WebSocket-Key"), false);
      return;
    }
    HttpRequest request = toRequest(req);
    std::shared_ptr<WebSocketHandler> handler;
    if (shared_->upgrade) handler = shared_->upgrade(request);
    if (!handler) {
      send(HttpResponse::error(404, "Not found", "No WebSocket service at " + request.target),
           false);
      return;
    }
    const auto& o = shared_->options;
    auto session = std::make_shared<WebSocketSession<Stream>>(
        std::move(stream_), remote_, ticket_, shared_->pump,
        typename WebSocketSession<Stream>::Limits{o.maxWebSocketMessage, o.maxWebSocketQueue},
        std::move(handler));
    std::string early = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    session->start(WebSocketHandshake::response(*accept), early);
  }

  // `headOnly` (a HEAD request): the headers a GET would get, no body.
  void send(HttpResponse response, bool keepAlive, bool headOnly = false) {
    if (response.fileBody || headOnly) {
      sendHeaderFirst(std::move(response), keepAlive, headOnly);
      return;
    }
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    res->set(bhttp::field::server, "parleyd");
    for (auto& [k, v] : response.headers) res->set(k, v);
    res->body() = std::move(response.body);
    res->keep_alive(keepAlive);
    res->prepare_payload();
    bhttp::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keepAlive](beast::error_code ec, std::size_t) {
          if (ec || !keepAlive) {
            self->close();
            return;
          }
          self->readRequest();
        });
  }

  // Writes the headers with the body's length, then (unless `headOnly`) the file body one
  // chunk at a time: the next chunk is read only once the previous one was written, so a
  // slow reader holds at most one chunk here and TCP back-pressure paces the disk reads.
  void sendHeaderFirst(HttpResponse response, bool keepAlive, bool headOnly) {
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    res->set(bhttp::field::server, "parleyd");
    for (auto& [k, v] : response.headers) res->set(k, v);
    res->keep_alive(keepAlive);
    const std::uint64_t length =
        response.fileBody ? response.fileBody->length : response.body.size();
    const int status = response.status;
    if (status >= 200 && status != 204 && status != 304) res->content_length(length);
    if (!headOnly && response.fileBody && length > 0) {
      transfer_.emplace();
      transfer_->file = std::move(response.fileBody->file);
      transfer_->offset = response.fileBody->offset;
      transfer_->remaining = length;
      transfer_->buffer.resize(static_cast<std::size_t>(std::min<std::uint64_t>(length, kChunk)));
    }
    beast::get_lowest_layer(stream_).expires_after(shared_->options.readTimeout);
    bhttp::async_write(stream_, *res,
                       [self = this->shared_from_this(), res, keepAlive](
                           beast::error_code ec, std::size_t) { self->afterWrite(ec, keepAlive); });
  }

  void afterWrite(beast::error_code ec, bool keepAlive) {
    if (ec) {
      transfer_.reset();
      close();
      return;
    }
    if (transfer_ && transfer_->remaining > 0) {
      writeChunk(keepAlive);
      return;
    }
    transfer_.reset();
    if (!keepAlive) {
      close();
      return;
    }
    readRequest();
  }

  void writeChunk(bool keepAlive) {
    auto& t = *transfer_;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(t.remaining, kChunk));
    const long long n = t.file->read(t.offset, t.buffer.data(), want);
    if (n <= 0) {
      // The file shrank (or failed) under us: the promised length cannot be kept, and
      // only closing tells the client its copy is incomplete.
      Logger::warn("file body ended early",
                   {{"remote", remote_}, {"missing", static_cast<long long>(t.remaining)}});
      transfer_.reset();
      close();
      return;
    }
    t.offset += static_cast<std::uint64_t>(n);
    t.remaining -= static_cast<std::uint64_t>(n);
    // A reader that takes longer than this for one chunk is dropped, freeing the file.
    beast::get_lowest_layer(stream_).expires_after(shared_->options.readTimeout);
    asio::async_write(stream_, asio::buffer(t.buffer.data(), static_cast<std::size_t>(n)),
                      [self = this->shared_from_this(), keepAlive](
                          beast::error_code ec, std::size_t) { self->afterWrite(ec, keepAlive); });
  }

  void close() {
    beast::error_code ec;
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_)
            .socket()
            .shutdown(tcp::socket::shutdown_both, ignored);
      });
    } else {
      // Half-close, then read and drop what the client is still sending (an oversized
      // body, say) for a bounded time: closing with unread input would make the kernel
      // reset the connection and the client would never see our error response.
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      drainDeadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      drain();
    }
  }

  void drain() {
    stream_.expires_at(drainDeadline_);
    stream_.async_read_some(asio::buffer(drainBuffer_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                beast::error_code ignored;
                                self->stream_.socket().close(ignored);
                                return;
                              }
                              self->drain();
                            });
  }

  std::shared_ptr<Shared> shared_;
  std::string remote_;
  Ticket ticket_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::chrono::steady_clock::time_point drainDeadline_;
  // A file body being sent; holds the file open and one chunk.
  struct Transfer {
    std::shared_ptr<const OpenFile> file;
    std::uint64_t offset = 0;
    std::uint64_t remaining = 0;
    std::vector<char> buffer;
  };
  static constexpr std::uint64_t kChunk = 64 * 1024;
  std::optional<Transfer> transfer_;
  std::array<char, 16384> drainBuffer_{};
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(asio::io_context& io, Options options, Handler handler)
      : io_(io),
        acceptor_(io),
        retryTimer_(io),
        admission_({options.maxConnections, options.maxConnectionsPerAddress}),
        shared_(std::make_shared<Shared>(
            Shared{std::move(options),
                   std::move(handler),
                   {},
                   std::make_shared<MessagePump>(io, MessagePump::Options{})})) {}
  ~Impl() { shared_->pump->clear(); }

  void start() {
    const auto& o = shared_->options;
    if (!o.tlsCertFile.empty()) {
      ssl_.emplace(asio::ssl::context::tls_server);
      ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
      boost::system::error_code ec;
      ssl_->use_certificate_chain_file(o.tlsCertFile, ec);
      if (ec)
        throw std::runtime_error("cannot load TLS certificate " + o.tlsCertFile + ": " +
                                 ec.message());
      ssl_->use_private_key_file(o.tlsKeyFile, asio::ssl::context::pem, ec);
      if (ec) throw std::runtime_error("cannot load TLS key " + o.tlsKeyFile + ": " + ec.message());
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(o.host, ec);
    if (ec) throw std::runtime_error("invalid listen address " + o.host);
    tcp::endpoint endpoint(address, o.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                               ec.message());
    accept();
  }

  void setUpgradeHandler(UpgradeHandler handler) { shared_->upgrade = std::move(handler); }

  void stop() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    retryTimer_.cancel();
  }

  std::size_t openConnections() const { return admission_.total(); }
  std::uint64_t webSocketWork() const { return shared_->pump->steps(); }

  std::uint16_t port() const {
    boost::system::error_code ec;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? 0 : ep.port();
  }

 private:
  void accept() {
    acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (ec) {
        onAcceptError(ec);
        return;
      }
      acceptBackoff_ = {};
      boost::system::error_code epError;
      auto peer = socket.remote_endpoint(epError);
      if (epError) {  // already reset by the peer
        if (acceptor_.is_open()) accept();
        return;
      }
      std::string address = peer.address().to_string();
      std::string remote = address + ":" + std::to_string(peer.port());
      if (auto ticket = admission_.admit(address)) {
        if (ssl_) {
          std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
              shared_, remote, std::move(ticket), std::move(socket), *ssl_)
              ->start();
        } else {
          std::make_shared<Connection<beast::tcp_stream>>(shared_, remote, std::move(ticket),
                                                          std::move(socket))
              ->start();
        }
      } else {
        // Over a limit: the socket is closed unread (cheapest for us, clear for the peer).
        obs::Metrics::instance()
            .counter("parley_http_connections_refused_total",
                     "TCP connections refused by the connection limits")
            .add();
        std::uint64_t suppressed = 0;
        if (refusedLog_.allow(&suppressed))
          Logger::warn("connection refused: limit reached",
                       {{"remote", remote},
                        {"fromAddress", static_cast<long long>(admission_.from(address))},
                        {"open", static_cast<long long>(admission_.total())},
                        {"suppressed", static_cast<long long>(suppressed)}});
        boost::system::error_code ignored;
        socket.close(ignored);
      }
      if (acceptor_.is_open()) accept();
    });
  }

  // Out of file descriptors (or kernel memory), accept fails until something closes:
  // retrying at once would spin the control thread and flood the log, so wait, doubling
  // up to a second. Other errors (a peer that reset before accept) retry at once.
  void onAcceptError(const beast::error_code& ec) {
    const bool exhausted = ec == asio::error::no_descriptors || ec.value() == ENFILE ||
                           ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
    std::uint64_t suppressed = 0;
    if (acceptErrorLog_.allow(&suppressed))
      Logger::warn("accept failed",
                   {{"error", ec.message()}, {"suppressed", static_cast<long long>(suppressed)}});
    obs::Metrics::instance()
        .counter("parley_http_accept_errors_total", "Failed accept() calls")
        .add();
    if (!acceptor_.is_open()) return;
    if (!exhausted) {
      accept();
      return;
    }
    acceptBackoff_ = acceptBackoff_.count()
                         ? std::min(acceptBackoff_ * 2, std::chrono::milliseconds(1000))
                         : std::chrono::milliseconds(10);
    retryTimer_.expires_after(acceptBackoff_);
    retryTimer_.async_wait([this](const boost::system::error_code& timerError) {
      if (!timerError && acceptor_.is_open()) accept();
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retryTimer_;
  std::chrono::milliseconds acceptBackoff_{0};
  ConnectionAdmission admission_;
  obs::LogLimiter acceptErrorLog_;
  obs::LogLimiter refusedLog_;
  std::optional<asio::ssl::context> ssl_;
  std::shared_ptr<Shared> shared_;
};

HttpServer::HttpServer(asio::io_context& io, Options options, Handler handler)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() = default;
void HttpServer::start() {
  impl_->start();
}
void HttpServer::setUpgradeHandler(UpgradeHandler handler) {
  impl_->setUpgradeHandler(std::move(handler));
}
void HttpServer::stop() {
  impl_->stop();
}
std::uint16_t HttpServer::port() const {
  return impl_->port();
}
std::size_t HttpServer::openConnections() const {
  return impl_->openConnections();
}
std::uint64_t HttpServer::webSocketWork() const {
  return impl_->webSocketWork();
}

}  // namespace parley::http
