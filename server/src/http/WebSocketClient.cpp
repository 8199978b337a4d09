#include "http/WebSocketClient.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>

#include "core/HttpUrl.h"

namespace parley::http {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

class WebSocketClient::Impl {
 public:
  Impl(boost::asio::io_context& io, Handlers handlers)
      : resolver_(io), ws_(io), handlers_(std::move(handlers)) {}

  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  Handlers handlers_;
  beast::flat_buffer buffer_;
  struct Outgoing {
    std::string data;
    bool binary;
  };
  std::deque<Outgoing> queue_;
  std::size_t queuedBytes_ = 0;
  bool writing_ = false;
  bool open_ = false;
  bool closing_ = false;
  bool done_ = false;
  std::string host_;
  std::string target_;
};

std::shared_ptr<WebSocketClient> WebSocketClient::create(boost::asio::io_context& io,
                                                         Handlers handlers) {
  return std::shared_ptr<WebSocketClient>(new WebSocketClient(io, std::move(handlers)));
}

WebSocketClient::WebSocketClient(boost::asio::io_context& io, Handlers handlers)
    : impl_(std::make_unique<Impl>(io, std::move(handlers))) {}

WebSocketClient::~WebSocketClient() = default;

std::size_t WebSocketClient::queuedBytes() const {
  return impl_->queuedBytes_;
}

bool WebSocketClient::isOpen() const {
  return impl_->open_ && !impl_->done_;
}

namespace {

// Runs the `closed` handler once; later failures of the same connection say nothing.
void finish(WebSocketClient::Handlers& h, bool& done, const std::string& reason) {
  if (done) return;
  done = true;
  if (h.closed) h.closed(reason);
}

}  // namespace

void WebSocketClient::open(const std::string& url, const std::string& subprotocol) {
  std::string http = url;
  if (http.rfind("ws://", 0) == 0) http.replace(0, 2, "http");
  auto parsed = core::HttpUrl::parse(http);
  if (!parsed || parsed->secure || url.rfind("ws://", 0) != 0) {
    finish(impl_->handlers_, impl_->done_, "not a ws:// URL: " + url);
    return;
  }
  impl_->host_ = parsed->hostHeader();
  impl_->target_ = parsed->target;
  auto self = shared_from_this();
  impl_->ws_.set_option(websocket::stream_base::decorator([subprotocol](auto& request) {
    request.set(beast::http::field::user_agent, "parley");
    if (!subprotocol.empty()) request.set(beast::http::field::sec_websocket_protocol, subprotocol);
  }));
  impl_->resolver_.async_resolve(
      parsed->host, std::to_string(parsed->port),
      [self](const beast::error_code& ec, tcp::resolver::results_type results) {
        Impl& d = *self->impl_;
        if (ec) return finish(d.handlers_, d.done_, "resolve: " + ec.message());
        beast::get_lowest_layer(d.ws_).expires_after(std::chrono::seconds(15));
        beast::get_lowest_layer(d.ws_).async_connect(results, [self](const beast::error_code& ec2,
                                                                     const tcp::endpoint&) {
          Impl& d2 = *self->impl_;
          if (ec2) return finish(d2.handlers_, d2.done_, "connect: " + ec2.message());
          beast::get_lowest_layer(d2.ws_).socket().set_option(tcp::no_delay(true));
          d2.ws_.async_handshake(d2.host_, d2.target_, [self](const beast::error_code& ec3) {
            Impl& d3 = *self->impl_;
            if (ec3) return finish(d3.handlers_, d3.done_, "handshake: " + ec3.message());
            // Beast's own timeouts from here: a silent server is the signaling's business.
            beast::get_lowest_layer(d3.ws_).expires_never();
            d3.ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
            d3.ws_.read_message_max(4 * 1024 * 1024);
            d3.open_ = true;
            if (d3.handlers_.opened) d3.handlers_.opened();
            self->readNext();
            self->writeNext();
          });
        });
      });
}

void WebSocketClient::readNext() {
  auto self = shared_from_this();
  impl_->ws_.async_read(impl_->buffer_, [self](const beast::error_code& ec, size_t) {
    Impl& d = *self->impl_;
    if (ec) {
      std::string reason = ec == websocket::error::closed
                               ? "closed by server (" + std::to_string(d.ws_.reason().code) + ")"
                               : "read: " + ec.message();
      d.open_ = false;
      return finish(d.handlers_, d.done_, reason);
    }
    auto data = d.buffer_.cdata();
    std::string_view message(static_cast<const char*>(data.data()), data.size());
    if (d.handlers_.message) d.handlers_.message(message, d.ws_.got_binary());
    d.buffer_.consume(d.buffer_.size());
    if (!d.done_) self->readNext();
  });
}

void WebSocketClient::send(std::string message, bool binary) {
  if (impl_->done_ || impl_->closing_) return;
  impl_->queuedBytes_ += message.size();
  impl_->queue_.push_back({std::move(message), binary});
  if (impl_->open_) writeNext();
}

void WebSocketClient::writeNext() {
  Impl& d = *impl_;
  if (d.writing_ || d.queue_.empty() || d.done_ || d.closing_) return;
  d.writing_ = true;
  d.ws_.binary(d.queue_.front().binary);
  auto self = shared_from_this();
  d.ws_.async_write(boost::asio::buffer(d.queue_.front().data),
                    [self](const beast::error_code& ec, size_t) {
                      Impl& d2 = *self->impl_;
                      d2.writing_ = false;
                      if (!d2.queue_.empty()) {
                        d2.queuedBytes_ -= d2.queue_.front().data.size();
                        d2.queue_.pop_front();
                      }
                      if (ec) {
                        d2.open_ = false;
                        return finish(d2.handlers_, d2.done_, "write: " + ec.message());
                      }
                      if (d2.closing_)
                        self->closeNow();
                      else
                        self->writeNext();
                    });
}

void WebSocketClient::detach() {
  impl_->handlers_ = Handlers{};
  close();
}

void WebSocketClient::close() {
  Impl& d = *impl_;
  if (d.done_ || d.closing_) return;
  d.closing_ = true;
  if (!d.open_) {
    d.resolver_.cancel();
    beast::get_lowest_layer(d.ws_).cancel();
    return finish(d.handlers_, d.done_, "closed");
  }
  // A close frame is a write: it waits for the one in flight (whose buffer is the front).
  if (d.writing_) {
    d.queue_.erase(d.queue_.begin() + 1, d.queue_.end());
    d.queuedBytes_ = d.queue_.front().data.size();
    return;
  }
  d.queue_.clear();
  d.queuedBytes_ = 0;
  closeNow();
}

void WebSocketClient::closeNow() {
  Impl& d = *impl_;
  if (d.done_) return;
  auto self = shared_from_this();
  d.ws_.async_close(websocket::close_code::normal, [self](const beast::error_code&) {
    Impl& d2 = *self->impl_;
    d2.open_ = false;
    finish(d2.handlers_, d2.done_, "closed");
  });
}

}  // namespace parley::http
