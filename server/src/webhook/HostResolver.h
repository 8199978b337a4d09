#pragma once

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parley::webhook {

// Resolves a host name without letting a slow DNS server hold the caller: the lookup runs
// on a thread of its own and the caller waits at most `timeout`. A lookup that outlives
// its caller finishes in the background; at most `maxInFlight` run at once, so a burst
// of slow names cannot pile up threads. For the control thread, which must not block
// on DNS when a callback is registered.
class HostResolver {
 public:
  struct Result {
    std::vector<boost::asio::ip::address> addresses;  // empty on failure
    std::string error;                                // why, when empty
  };

  HostResolver(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000),
               std::size_t maxInFlight = 4);

  // IP literals are answered at once; names through getaddrinfo (TCP, IPv4 and IPv6).
  Result resolve(const std::string& host, std::uint16_t port) const;

 private:
  std::chrono::milliseconds timeout_;
  std::size_t maxInFlight_;
  // Shared with the lookup threads, which may outlive this object.
  std::shared_ptr<std::atomic<std::size_t>> inFlight_;
};

}  // namespace parley::webhook
