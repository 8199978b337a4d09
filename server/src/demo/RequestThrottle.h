#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace parley::demo {

// Token buckets for GET /demo/token: one per client address and one for everybody, so
// neither a single client nor a crowd of addresses can mint tokens at will. The table of
// addresses is bounded: when it is full, buckets that have refilled (idle clients) go
// first, then the least recently used one. IPv6 clients are grouped by /64, the block a
// single host or household usually gets. Not thread-safe (the control thread owns it).
class RequestThrottle {
 public:
  struct Limits {
    double perAddressRate = 2;    // tokens per second per address
    double perAddressBurst = 30;  // bucket size per address
    double globalRate = 20;       // tokens per second for all addresses together
    double globalBurst = 200;     // bucket size for all addresses together
    std::size_t maxAddresses = 4096;
  };

  explicit RequestThrottle(Limits limits);

  // Takes a token for `remote` (HttpRequest::remoteAddress: "ip:port", "[ip]:port" or
  // "ip") at `now` (seconds, monotonic). Returns 0 when the request may go ahead,
  // otherwise the seconds until it could (nothing is taken then).
  double admit(std::string_view remote, double now);

  std::size_t trackedAddresses() const { return buckets_.size(); }
  // The bucket key of a remote address: the IP without port, IPv4-mapped IPv6 as IPv4,
  // other IPv6 addresses as their /64 prefix. Unparseable input is its own key.
  static std::string clientKey(std::string_view remote);

 private:
  struct Bucket {
    double tokens = 0;
    double updated = 0;
  };
  static void refill(Bucket& bucket, double rate, double burst, double now);
  void makeRoom(double now);

  Limits limits_;
  Bucket global_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace parley::demo
