#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "media/stun/StunMessage.h"

namespace parley::media::net {

// An IPv4 or IPv6 UDP/TCP endpoint in the form the socket calls take, with a 128-bit
// key so transports can be found by remote address without allocating.
class SocketAddress {
 public:
  SocketAddress() { std::memset(&storage_, 0, sizeof(storage_)); }
  static std::optional<SocketAddress> parse(std::string_view ip, uint16_t port);
  static SocketAddress fromSockaddr(const sockaddr* sa, socklen_t len);

  const sockaddr* sockaddrPtr() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* sockaddrPtr() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t length() const;
  int family() const { return storage_.ss_family; }
  // An ICE-TCP peer (RFC 6544): same address space as UDP ones, told apart in the key.
  bool isTcp() const { return tcp_; }
  void setTcp(bool tcp) { tcp_ = tcp; }
  uint16_t port() const;
  std::string ip() const;
  std::string toString() const;  // "1.2.3.4:5" or "[::1]:5"
  stun::StunMessage::Address toStun() const;

  // The whole endpoint: address bytes, port, family and protocol (no two endpoints share one).
  struct Key {
    uint64_t hi = 0, lo = 0;
    uint32_t extra = 0;  // port | family << 16 | tcp << 24
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()((k.hi * 0x9E3779B97F4A7C15ull) ^ (k.lo * 0xC2B2AE3D27D4EB4Full) ^
                                   k.extra);
    }
  };
  Key key() const;
  bool operator==(const SocketAddress& o) const { return key() == o.key(); }

 private:
  sockaddr_storage storage_;
  bool tcp_ = false;
};

}  // namespace parley::media::net
