#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"

namespace parley::media::net {

// A non-blocking UDP socket with batched I/O: recvmmsg into fixed buffers and a send queue
// drained by sendmmsg. All buffers are allocated once; nothing allocates per packet.
class UdpSocket : public PacketSink {
 public:
  static constexpr size_t kBatch = 32;
  static constexpr size_t kReceiveSize = 2048;
  static constexpr size_t kSendSlots = 256;

  // Binds ip:port (port 0: ephemeral). Throws std::runtime_error on failure.
  UdpSocket(const std::string& ip, uint16_t port);
  ~UdpSocket() override;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  int fd() const { return fd_; }
  uint16_t localPort() const { return localPort_; }

  // Reads up to kBatch datagrams; returns how many (0 when none are waiting).
  size_t receiveBatch();
  uint8_t* received(size_t i) { return receiveBuffers_[i].data(); }
  size_t receivedSize(size_t i) const { return receiveHeaders_[i].msg_len; }
  SocketAddress receivedFrom(size_t i) const;

  uint8_t* reserve() override;
  void commit(size_t size, const SocketAddress& to) override;
  // Sends everything queued (sendmmsg); packets the kernel refuses are dropped.
  void flush();
  uint64_t sendErrors() const { return sendErrors_; }

 private:
  int fd_ = -1;
  uint16_t localPort_ = 0;
  std::array<std::array<uint8_t, kReceiveSize>, kBatch> receiveBuffers_{};
  std::array<iovec, kBatch> receiveIov_{};
  std::array<sockaddr_storage, kBatch> receiveAddrs_{};
  std::array<mmsghdr, kBatch> receiveHeaders_{};

  std::array<std::array<uint8_t, kSlotSize>, kSendSlots> sendBuffers_{};
  std::array<iovec, kSendSlots> sendIov_{};
  std::array<SocketAddress, kSendSlots> sendAddrs_{};
  std::array<mmsghdr, kSendSlots> sendHeaders_{};
  size_t queued_ = 0;
  uint64_t sendErrors_ = 0;
};

}  // namespace parley::media::net
