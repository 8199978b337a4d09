#include "media/net/SocketAddress.h"

#include <arpa/inet.h>

namespace parley::media::net {

std::optional<SocketAddress> SocketAddress::parse(std::string_view ip, uint16_t port) {
  SocketAddress a;
  std::string s(ip);
  if (!s.empty() && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (inet_pton(AF_INET, s.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return a;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET6, s.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return a;
  }
  return std::nullopt;
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* sa, socklen_t len) {
  SocketAddress a;
  if (len > 0 && static_cast<size_t>(len) <= sizeof(a.storage_)) std::memcpy(&a.storage_, sa, len);
  return a;
}

socklen_t SocketAddress::length() const {
  return storage_.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

uint16_t SocketAddress::port() const {
  if (storage_.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
}

std::string SocketAddress::ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (storage_.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf,
              sizeof(buf));
  else
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf,
              sizeof(buf));
  return buf;
}

std::string SocketAddress::toString() const {
  std::string s = storage_.ss_family == AF_INET6 ? "[" + ip() + "]:" + std::to_string(port())
                                                 : ip() + ":" + std::to_string(port());
  return tcp_ ? "tcp:" + s : s;
}

stun::StunMessage::Address SocketAddress::toStun() const {
  stun::StunMessage::Address out;
  out.port = port();
  if (storage_.ss_family == AF_INET6) {
    out.family = 6;
    std::memcpy(out.ip.data(), &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, 16);
  } else {
    out.family = 4;
    std::memcpy(out.ip.data(), &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, 4);
  }
  return out;
}

SocketAddress::Key SocketAddress::key() const {
  Key k;
  if (storage_.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    std::memcpy(&k.hi, v6->sin6_addr.s6_addr, 8);
    std::memcpy(&k.lo, v6->sin6_addr.s6_addr + 8, 8);
    k.extra = ntohs(v6->sin6_port) | 6u << 16;
  } else {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage_);
    k.lo = v4->sin_addr.s_addr;
    k.extra = ntohs(v4->sin_port) | 4u << 16;
  }
  if (tcp_) k.extra |= 1u << 24;
  return k;
}

}  // namespace parley::media::net
