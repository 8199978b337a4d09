#include "http/HttpClient.h"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/HttpUrl.h"

namespace parley::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// How often a blocked post() looks at its cancel flag.
constexpr std::chrono::milliseconds kCancelCheck{25};

// One request and its response over a fresh connection; Stream is beast::tcp_stream or
// beast::ssl_stream of it. It lives on post()'s stack and its handlers capture `this`:
// safe, because post() runs the io_context until no handler is left.
template <class Stream>
class Exchange {
 public:
  template <class... StreamArgs>
  Exchange(asio::io_context& io, const core::HttpUrl& url,
           bhttp::request<bhttp::string_body>& request, const HttpClient::Options& options,
           StreamArgs&&... streamArgs)
      : resolver_(io),
        stream_(std::forward<StreamArgs>(streamArgs)...),
        url_(url),
        request_(request),
        options_(options) {}

  Stream& stream() { return stream_; }

  void start() {
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [this](beast::error_code ec, const tcp::resolver::results_type& results) {
          onResolve(ec, results);
        });
  }

  // Called between handlers (same thread): every pending operation ends with an error.
  void cancel() {
    cancelled_ = true;
    resolver_.cancel();
    beast::get_lowest_layer(stream_).close();
  }
  bool cancelled() const { return cancelled_; }

  const HttpClient::Result& result() const { return result_; }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  // True when the exchange must end here, recording why.
  bool failed(beast::error_code ec, const char* step) {
    if (!ec && !cancelled_) return false;
    if (result_.error.empty()) {
      result_.error =
          cancelled_ ? std::string("cancelled") : std::string(step) + ": " + ec.message();
    }
    return true;
  }

  void onResolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (failed(ec, "resolve")) return;
    if (options_.refuseAddress) {
      for (const auto& entry : results) {
        if (auto why = options_.refuseAddress(entry.endpoint().address())) {
          result_.error =
              "refused: " + url_.host + " resolves to a forbidden address (" + *why + ")";
          result_.refused = true;
          return;
        }
      }
    }
    auto& socket = beast::get_lowest_layer(stream_);
    socket.expires_after(options_.connectTimeout);
    socket.async_connect(results,
                         [this](beast::error_code e, const tcp::endpoint&) { onConnect(e); });
  }

  void onConnect(beast::error_code ec) {
    if (failed(ec, "connect")) return;
    // One deadline for everything after connecting, so a receiver that trickles bytes
    // cannot hold the deliverer longer than the timeout.
    beast::get_lowest_layer(stream_).expires_after(options_.exchangeTimeout);
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::client, [this](beast::error_code e) {
        if (!failed(e, "tls handshake")) write();
      });
    } else {
      write();
    }
  }

  void write() {
    bhttp::async_write(stream_, request_, [this](beast::error_code ec, std::size_t) {
      if (!failed(ec, "send")) read();
    });
  }

  void read() {
    parser_.body_limit(options_.maxResponseBodyBytes);
    bhttp::async_read(stream_, buffer_, parser_,
                      [this](beast::error_code ec, std::size_t) { onRead(ec); });
  }

  void onRead(beast::error_code ec) {
    // A status line is an answer even if the body that follows is too big or too slow.
    if (parser_.is_header_done() && !cancelled_) {
      result_.status = static_cast<int>(parser_.get().result_int());
      result_.error.clear();
    } else if (failed(ec, "receive")) {
      return;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  tcp::resolver resolver_;
  Stream stream_;
  const core::HttpUrl& url_;
  bhttp::request<bhttp::string_body>& request_;
  const HttpClient::Options& options_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  HttpClient::Result result_;
  bool cancelled_ = false;
};

// Runs `exchange` to its end, cancelling it when `cancel` turns true.
template <class Stream>
HttpClient::Result run(asio::io_context& io, Exchange<Stream>& exchange,
                       const std::atomic<bool>* cancel) {
  exchange.start();
  while (!io.stopped()) {
    io.run_for(kCancelCheck);
    if (cancel && cancel->load(std::memory_order_relaxed) && !exchange.cancelled()) {
      exchange.cancel();
    }
  }
  return exchange.result();
}

}  // namespace

class HttpClient::Impl {
 public:
  explicit Impl(Options o) : options(std::move(o)) {}

  // Made on the first https URL: loading the system CA store is not free.
  asio::ssl::context* tlsContext(std::string& error) {
    if (tls) return &*tls;
    tls.emplace(asio::ssl::context::tls_client);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    tls->set_default_verify_paths(ec);
    if (ec) {
      error = "loading the system CA certificates: " + ec.message();
      tls.reset();
      return nullptr;
    }
    tls->set_verify_mode(asio::ssl::verify_peer);
    return &*tls;
  }

  Options options;
  std::optional<asio::ssl::context> tls;
};

HttpClient::HttpClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpClient::~HttpClient() = default;

HttpClient::Result HttpClient::post(std::string_view url, std::string body,
                                    std::string_view contentType, const std::atomic<bool>* cancel,
                                    const Headers& extraHeaders) {
  auto parsed = core::HttpUrl::parse(url);
  if (!parsed) return Result{0, "invalid URL"};

  bhttp::request<bhttp::string_body> request{bhttp::verb::post, parsed->target, 11};
  request.set(bhttp::field::host, parsed->hostHeader());
  request.set(bhttp::field::user_agent, impl_->options.userAgent);
  request.set(bhttp::field::content_type, contentType);
  request.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : extraHeaders) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();

  asio::io_context io(1);
  if (!parsed->secure) {
    Exchange<beast::tcp_stream> exchange(io, *parsed, request, impl_->options, io);
    return run(io, exchange, cancel);
  }

  std::string error;
  asio::ssl::context* context = impl_->tlsContext(error);
  if (!context) return Result{0, error};
  Exchange<beast::ssl_stream<beast::tcp_stream>> exchange(io, *parsed, request, impl_->options, io,
                                                          *context);
  auto& tlsStream = exchange.stream();
  beast::error_code notAnAddress;
  asio::ip::make_address(parsed->host, notAnAddress);
  // SNI is for names only (RFC 6066); certificates for IP literals are still checked.
  if (notAnAddress && !SSL_set_tlsext_host_name(tlsStream.native_handle(), parsed->host.c_str())) {
    return Result{0, "setting the TLS server name failed"};
  }
  tlsStream.set_verify_callback(asio::ssl::host_name_verification(parsed->host));
  return run(io, exchange, cancel);
}

}  // namespace parley::http
