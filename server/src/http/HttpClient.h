#pragma once

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::http {

// A small blocking HTTP/1.1 client for outgoing webhooks: one POST per connection, http
// and https (peer and host name verified against the system's CA store). The client
// counterpart of HttpServer, and with it the only code that uses Boost.Beast for HTTP.
// One instance per thread; post() blocks the calling thread. Redirects are answers like
// any other (never followed), and the host name is resolved once per POST: the
// addresses `refuseAddress` approved are the ones connected to, so a DNS answer that
// changes between a check and the connection cannot slip another address in.
class HttpClient {
 public:
  struct Options {
    std::chrono::milliseconds connectTimeout{5000};
    // For the rest of the exchange after connecting: TLS handshake, request, response.
    std::chrono::milliseconds exchangeTimeout{5000};
    std::string userAgent = "parleyd";
    std::size_t maxResponseBodyBytes = 64 * 1024;  // receivers' bodies are read and dropped
    // Why the client must not connect to an address the host resolved to, or nullopt.
    // One refused address fails the POST. Empty → every address is fine.
    std::function<std::optional<std::string>(const boost::asio::ip::address&)> refuseAddress;
  };

  struct Result {
    int status = 0;        // HTTP status; 0 when no response arrived
    std::string error;     // why, when status is 0
    bool refused = false;  // refuseAddress said no: no connection was attempted
    bool ok() const { return status >= 200 && status < 300; }
  };

  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url`. Returns early with an error once `cancel` (if given) turns
  // true; the flag is checked every few tens of milliseconds. Name resolution is the
  // one step a cancel cannot cut short.
  using Headers = std::vector<std::pair<std::string, std::string>>;
  Result post(std::string_view url, std::string body, std::string_view contentType,
              const std::atomic<bool>* cancel = nullptr, const Headers& extraHeaders = {});

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::http
