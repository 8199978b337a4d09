#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/WebSocket.h"

namespace parley::http {

// HTTP/1.1 (and HTTPS) server on the control thread's io_context. The one place that
// uses Boost.Beast for HTTP; handlers see only HttpRequest/HttpResponse.
class HttpServer {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;

  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 5080;  // 0 → any free port (see port())
    std::size_t maxBodyBytes = 1024 * 1024;
    std::size_t maxHeaderBytes = 64 * 1024;  // client tokens in headers can reach 32 KiB
    std::chrono::seconds readTimeout{30};
    std::string tlsCertFile;  // both set → HTTPS only
    std::string tlsKeyFile;
    std::size_t maxWebSocketMessage = 256 * 1024;
    std::size_t maxWebSocketQueue =
        4 * 1024 * 1024;                         // unsent bytes before a slow reader is dropped
    std::size_t maxConnections = 10000;          // open TCP connections in all; 0 = unlimited
    std::size_t maxConnectionsPerAddress = 256;  // from one remote IP; 0 = unlimited
  };

  HttpServer(boost::asio::io_context& io, Options options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Called for WebSocket upgrade requests; without it upgrades get 404.
  void setUpgradeHandler(UpgradeHandler handler);
  // Binds and starts accepting. Throws std::runtime_error with a readable message.
  void start();
  // Stops accepting; open connections finish their current exchange.
  void stop();
  std::uint16_t port() const;
  // Open TCP connections (HTTP and WebSocket) right now.
  std::size_t openConnections() const;
  // WebSocket work done so far (a count that grows with every step of the message pump).
  std::uint64_t webSocketWork() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::http
