#include "media/net/UdpSocket.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace parley::media::net {

UdpSocket::UdpSocket(const std::string& ip, uint16_t port) {
  auto addr = SocketAddress::parse(ip, port);
  if (!addr) throw std::runtime_error("invalid RTC address " + ip);
  fd_ = ::socket(addr->family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::runtime_error(std::string("socket: ") + std::generic_category().message(errno));
  // Bursts of video (a keyframe fanned out to many subscribers) need deep buffers.
  int size = 4 * 1024 * 1024;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  if (::bind(fd_, addr->sockaddrPtr(), addr->length()) != 0) {
    std::string err = std::generic_category().message(errno);
    ::close(fd_);
    throw std::runtime_error("cannot bind UDP " + addr->toString() + ": " + err);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &len);
  localPort_ = SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&bound), len).port();
  for (size_t i = 0; i < kBatch; ++i) {
    receiveIov_[i] = iovec{receiveBuffers_[i].data(), kReceiveSize};
    std::memset(&receiveHeaders_[i], 0, sizeof(mmsghdr));
  }
  for (size_t i = 0; i < kSendSlots; ++i) std::memset(&sendHeaders_[i], 0, sizeof(mmsghdr));
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

size_t UdpSocket::receiveBatch() {
  for (size_t i = 0; i < kBatch; ++i) {
    msghdr& h = receiveHeaders_[i].msg_hdr;
    h.msg_name = &receiveAddrs_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &receiveIov_[i];
    h.msg_iovlen = 1;
    h.msg_control = nullptr;
    h.msg_controllen = 0;
    h.msg_flags = 0;
  }
  int n = ::recvmmsg(fd_, receiveHeaders_.data(), kBatch, MSG_DONTWAIT, nullptr);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

SocketAddress UdpSocket::receivedFrom(size_t i) const {
  return SocketAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&receiveAddrs_[i]),
                                     receiveHeaders_[i].msg_hdr.msg_namelen);
}

uint8_t* UdpSocket::reserve() {
  if (queued_ == kSendSlots) flush();
  return sendBuffers_[queued_].data();
}

void UdpSocket::commit(size_t size, const SocketAddress& to) {
  if (size == 0 || size > kSlotSize) return;
  sendAddrs_[queued_] = to;
  sendIov_[queued_] = iovec{sendBuffers_[queued_].data(), size};
  msghdr& h = sendHeaders_[queued_].msg_hdr;
  h.msg_name = const_cast<sockaddr*>(sendAddrs_[queued_].sockaddrPtr());
  h.msg_namelen = sendAddrs_[queued_].length();
  h.msg_iov = &sendIov_[queued_];
  h.msg_iovlen = 1;
  ++queued_;
  if (queued_ == kSendSlots) flush();
}

void UdpSocket::flush() {
  size_t sent = 0;
  while (sent < queued_) {
    int n = ::sendmmsg(fd_, sendHeaders_.data() + sent, static_cast<unsigned>(queued_ - sent),
                       MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      // Full socket buffer or an unreachable peer: drop this one, RTP recovers by NACK/PLI.
      ++sendErrors_;
      ++sent;
      continue;
    }
    sent += static_cast<size_t>(n);
  }
  queued_ = 0;
}

}  // namespace parley::media::net
