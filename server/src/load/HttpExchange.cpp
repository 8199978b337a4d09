#include "load/HttpExchange.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>

#include "core/HttpUrl.h"

namespace parley::load {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(boost::asio::io_context& io, std::function<void(HttpExchange::Reply)> d)
      : resolver(io), stream(io), done(std::move(d)) {}

  void fail(const std::string& what, const beast::error_code& ec) {
    HttpExchange::Reply r;
    r.error = what + ": " + ec.message();
    done(std::move(r));
  }

  void run(const core::HttpUrl& url) {
    auto self = shared_from_this();
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [self](const beast::error_code& ec, tcp::resolver::results_type res) {
                             if (ec) return self->fail("resolve", ec);
                             self->stream.expires_after(std::chrono::seconds(20));
                             self->stream.async_connect(
                                 res, [self](const beast::error_code& ec2, const tcp::endpoint&) {
                                   if (ec2) return self->fail("connect", ec2);
                                   self->write();
                                 });
                           });
  }

  void write() {
    auto self = shared_from_this();
    http::async_write(stream, request, [self](const beast::error_code& ec, size_t) {
      if (ec) return self->fail("write", ec);
      self->parser.body_limit(1024 * 1024);
      http::async_read(self->stream, self->buffer, self->parser,
                       [self](const beast::error_code& ec2, size_t) {
                         if (ec2) return self->fail("read", ec2);
                         HttpExchange::Reply r;
                         r.status = static_cast<int>(self->parser.get().result_int());
                         r.body = std::move(self->parser.get().body());
                         beast::error_code ignored;
                         self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                         self->done(std::move(r));
                       });
    });
  }

  tcp::resolver resolver;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response_parser<http::string_body> parser;
  std::function<void(HttpExchange::Reply)> done;
};

}  // namespace

void HttpExchange::start(boost::asio::io_context& io, std::string method, const std::string& url,
                         const Headers& headers, std::string body,
                         std::function<void(Reply)> done) {
  auto parsed = core::HttpUrl::parse(url);
  if (!parsed || parsed->secure) {
    Reply r;
    r.error = "not an http:// URL: " + url;
    done(std::move(r));
    return;
  }
  auto exchange = std::make_shared<Exchange>(io, std::move(done));
  auto& req = exchange->request;
  req.method_string(method);
  req.target(parsed->target);
  req.version(11);
  req.set(http::field::host, parsed->hostHeader());
  req.set(http::field::user_agent, "parley-load");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  exchange->run(*parsed);
}

}  // namespace parley::load
