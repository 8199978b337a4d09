#include "media/net/UdpSocket.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/udp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace parley::media::net {

UdpSocket::UdpSocket(const std::string& ip, uint16_t port, size_t sendSlots)
    : sendSlots_(sendSlots ? sendSlots : 1),
      sendBytes_(new uint8_t[sendSlots_ * kSlotSize]),
      sendSizes_(sendSlots_),
      sendAddrs_(sendSlots_),
      sendIov_(sendSlots_),
      sendHeaders_(sendSlots_),
      slotGroup_(sendSlots_),
      slotKeys_(sendSlots_),
      control_(sendSlots_) {
  groups_.reserve(sendSlots_);
  size_t tableSize = 16;
  while (tableSize < 2 * sendSlots_) tableSize *= 2;
  table_.assign(tableSize, -1);
  tableUsed_.reserve(sendSlots_);
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
  sendFd_ = openSendSocket(bound, len);
  if (sendFd_ < 0) sendFd_ = fd_;
  for (size_t i = 0; i < kBatch; ++i) {
    receiveIov_[i] = iovec{receiveBuffers_[i].data(), kReceiveSize};
    std::memset(&receiveHeaders_[i], 0, sizeof(mmsghdr));
  }
  for (size_t i = 0; i < sendSlots_; ++i) std::memset(&sendHeaders_[i], 0, sizeof(mmsghdr));
}

UdpSocket::~UdpSocket() {
  if (sendFd_ >= 0 && sendFd_ != fd_) ::close(sendFd_);
  if (fd_ >= 0) ::close(fd_);
}

int UdpSocket::openSendSocket(const sockaddr_storage& bound, socklen_t length) {
  // Every datagram the kernel frees after sending it wakes the sending socket's waiters
  // (write space), and the worker's epoll watch is one: a lock and a callback per message.
  // A second socket on the same address that nobody waits on sends without that. The two
  // share the port as a reuseport group whose program hands every incoming datagram to
  // the first, the receiving socket. That one was bound alone before, so a port in use
  // still fails, and a socket without SO_REUSEPORT still cannot bind it; one of the same
  // user with SO_REUSEPORT could join the group, but would receive nothing.
  const int on = 1;
  if (::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) return -1;
  const int fd = ::socket(bound.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sock_filter toFirst[] = {{BPF_RET | BPF_K, 0, 0, 0}};
  sock_fprog program{1, toFirst};
  const bool joined =
      fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == 0 &&
      ::bind(fd, reinterpret_cast<const sockaddr*>(&bound), length) == 0 &&
      ::setsockopt(fd_, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &program, sizeof(program)) == 0;
  if (!joined) {
    if (fd >= 0) ::close(fd);
    const int off = 0;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEPORT, &off, sizeof(off));
    return -1;
  }
  int size = 4 * 1024 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  return fd;
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
  if (queued_ == sendSlots_) flush();
  return sendSlot(queued_);
}

void UdpSocket::commit(size_t size, const SocketAddress& to) {
  if (size == 0 || size > kSlotSize) return;
  sendAddrs_[queued_] = to;
  sendSizes_[queued_] = size;
  ++queued_;
  if (queued_ == sendSlots_) flush();
}

void UdpSocket::flush() {
  if (queued_ == 0) return;
  if (gso_ && queued_ > 1)
    flushSegmented();
  else
    flushEach();
  queued_ = 0;
}

void UdpSocket::flushEach() {
  for (size_t i = 0; i < queued_; ++i) {
    sendIov_[i] = iovec{sendSlot(i), sendSizes_[i]};
    msghdr& h = sendHeaders_[i].msg_hdr;
    h.msg_name = const_cast<sockaddr*>(sendAddrs_[i].sockaddrPtr());
    h.msg_namelen = sendAddrs_[i].length();
    h.msg_iov = &sendIov_[i];
    h.msg_iovlen = 1;
    h.msg_control = nullptr;
    h.msg_controllen = 0;
  }
  sendAll(sendHeaders_.data(), queued_, false);
}

void UdpSocket::flushSegmented() {
  const size_t mask = table_.size() - 1;
  groups_.clear();
  // Pass 1: each slot joins its destination's open group when its size allows (equal to
  // the group's segment size, or shorter as the group's last), else opens a new one.
  for (size_t i = 0; i < queued_; ++i) {
    const SocketAddress::Key key = sendAddrs_[i].key();
    slotKeys_[i] = key;
    size_t h = SocketAddress::KeyHash()(key) & mask;
    int32_t found = -1;
    while (table_[h] >= 0) {
      if (slotKeys_[groups_[static_cast<size_t>(table_[h])].first] == key) {
        found = table_[h];
        break;
      }
      h = (h + 1) & mask;
    }
    const auto size = static_cast<uint32_t>(sendSizes_[i]);
    if (found >= 0) {
      Group& g = groups_[static_cast<size_t>(found)];
      if (!g.closed && size <= g.segment && g.count < kMaxSegments &&
          g.bytes + size <= kMaxSegmentedBytes) {
        ++g.count;
        g.bytes += size;
        g.closed = size < g.segment;
        slotGroup_[i] = static_cast<uint32_t>(found);
        continue;
      }
    } else {
      tableUsed_.push_back(static_cast<uint32_t>(h));
    }
    table_[h] = static_cast<int32_t>(groups_.size());
    slotGroup_[i] = static_cast<uint32_t>(groups_.size());
    groups_.push_back(Group{static_cast<uint32_t>(i), size, 1, size, 0, false});
  }
  for (uint32_t h : tableUsed_) table_[h] = -1;
  tableUsed_.clear();
  // Pass 2: each group's iovecs side by side, in queue order within the group.
  uint32_t offset = 0;
  for (Group& g : groups_) {
    g.iov = offset;
    offset += g.count;
    g.bytes = 0;  // reused below as the fill cursor
  }
  for (size_t i = 0; i < queued_; ++i) {
    Group& g = groups_[slotGroup_[i]];
    sendIov_[g.iov + g.bytes++] = iovec{sendSlot(i), sendSizes_[i]};
  }
  for (size_t k = 0; k < groups_.size(); ++k) {
    const Group& g = groups_[k];
    msghdr& h = sendHeaders_[k].msg_hdr;
    h.msg_name = const_cast<sockaddr*>(sendAddrs_[g.first].sockaddrPtr());
    h.msg_namelen = sendAddrs_[g.first].length();
    h.msg_iov = &sendIov_[g.iov];
    h.msg_iovlen = g.count;
    if (g.count > 1) {
      h.msg_control = control_[k].data();
      h.msg_controllen = control_[k].size();
      cmsghdr* cm = CMSG_FIRSTHDR(&h);
      cm->cmsg_level = SOL_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto segment = static_cast<uint16_t>(g.segment);
      std::memcpy(CMSG_DATA(cm), &segment, sizeof segment);
    } else {
      h.msg_control = nullptr;
      h.msg_controllen = 0;
    }
  }
  sendAll(sendHeaders_.data(), groups_.size(), true);
}

void UdpSocket::sendAll(mmsghdr* headers, size_t count, bool segmented) {
  size_t sent = 0;
  while (sent < count) {
    int n = ::sendmmsg(sendFd_, headers + sent, static_cast<unsigned>(count - sent), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      const size_t packets = headers[sent].msg_hdr.msg_iovlen;
      if (segmented && packets > 1 &&
          (error == EIO || error == EINVAL || error == EOPNOTSUPP || error == ENOPROTOOPT)) {
        // This path cannot segment (a device without checksum offload, an old kernel):
        // send these one by one, and everything after without GSO.
        gso_ = false;
        sendGroupOneByOne(sent);
      } else {
        // Full socket buffer or an unreachable peer: drop it, RTP recovers by NACK/PLI.
        sendErrors_ += packets;
      }
      ++sent;
      continue;
    }
    for (int i = 0; i < n; ++i)
      datagramsSent_ += headers[sent + static_cast<size_t>(i)].msg_hdr.msg_iovlen;
    messagesSent_ += static_cast<uint64_t>(n);
    sent += static_cast<size_t>(n);
  }
}

void UdpSocket::sendGroupOneByOne(size_t group) {
  const msghdr& h = sendHeaders_[group].msg_hdr;
  for (size_t i = 0; i < h.msg_iovlen; ++i) {
    if (::sendto(sendFd_, h.msg_iov[i].iov_base, h.msg_iov[i].iov_len, MSG_DONTWAIT,
                 static_cast<const sockaddr*>(h.msg_name), h.msg_namelen) < 0) {
      ++sendErrors_;
    } else {
      ++datagramsSent_;
      ++messagesSent_;
    }
  }
}

}  // namespace parley::media::net
