#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace parley::http {

// A small blocking HTTP/1.1 client for outgoing webhooks: one POST per connection, http
// and https (peer and host name verified against the system's CA store). The client
// counterpart of HttpServer, and with it the only code that uses Boost.Beast for HTTP.
// One instance per thread; post() blocks the calling thread.
class HttpClient {
 public:
  struct Options {
    std::chrono::milliseconds connectTimeout{5000};
    // For the rest of the exchange after connecting: TLS handshake, request, response.
    std::chrono::milliseconds exchangeTimeout{5000};
    std::string userAgent = "parleyd";
    std::size_t maxResponseBodyBytes = 64 * 1024;  // receivers' bodies are read and dropped
  };

  struct Result {
    int status = 0;     // HTTP status; 0 when no response arrived
    std::string error;  // why, when status is 0
    bool ok() const { return status >= 200 && status < 300; }
  };

  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url`. Returns early with an error once `cancel` (if given) turns
  // true; the flag is checked every few tens of milliseconds. Name resolution is the
  // one step a cancel cannot cut short.
  Result post(std::string_view url, std::string body, std::string_view contentType,
              const std::atomic<bool>* cancel = nullptr);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::http
