#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"

namespace parley::media::net {

// A non-blocking UDP socket with batched I/O: recvmmsg into fixed buffers and a send queue
// drained by sendmmsg. All buffers are allocated once; nothing allocates per packet.
//
// With UDP GSO (the default where the kernel has it), flush() sends the queued datagrams
// of one destination that follow each other in its order and have the same size (the last
// may be shorter) as one segmented message (UDP_SEGMENT): the kernel builds and routes one
// buffer for them instead of one per packet. A subscriber's share of a video frame — its
// packets of nearly equal size — leaves in one or two such messages. If the kernel refuses
// a segmented message, GSO is switched off for the socket and the packets go one by one.
class UdpSocket : public PacketSink {
 public:
  static constexpr size_t kBatch = 32;
  static constexpr size_t kReceiveSize = 2048;
  static constexpr size_t kDefaultSendSlots = 256;
  static constexpr size_t kMaxSegments = 64;           // the kernel's UDP_MAX_SEGMENTS
  static constexpr size_t kMaxSegmentedBytes = 60000;  // under the 64 KiB of one datagram

  // Binds ip:port (port 0: ephemeral). Throws std::runtime_error on failure.
  UdpSocket(const std::string& ip, uint16_t port, size_t sendSlots = kDefaultSendSlots);
  ~UdpSocket() override;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // The receiving socket (the one to watch for input). Sends leave from a second socket on
  // the same address when the kernel allows it (see openSendSocket).
  int fd() const { return fd_; }
  bool separateSender() const { return sendFd_ != fd_; }
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

  void setSegmentation(bool on) { gso_ = on; }
  bool segmentation() const { return gso_; }
  // Datagrams sent, and the sendmmsg messages that carried them (fewer with GSO).
  uint64_t datagramsSent() const { return datagramsSent_; }
  uint64_t messagesSent() const { return messagesSent_; }

 private:
  void flushEach();
  void flushSegmented();
  // Sends headers [0, count) and returns how many the kernel took; counts failures.
  void sendAll(mmsghdr* headers, size_t count, bool segmented);
  void sendGroupOneByOne(size_t group);

  // A send-only socket sharing the port, or -1 (sends then use fd_).
  int openSendSocket(const sockaddr_storage& bound, socklen_t length);

  int fd_ = -1;
  int sendFd_ = -1;
  uint16_t localPort_ = 0;
  bool gso_ = true;
  std::array<std::array<uint8_t, kReceiveSize>, kBatch> receiveBuffers_{};
  std::array<iovec, kBatch> receiveIov_{};
  std::array<sockaddr_storage, kBatch> receiveAddrs_{};
  std::array<mmsghdr, kBatch> receiveHeaders_{};

  // The queue, sized once.
  size_t sendSlots_;
  // sendSlots_ * kSlotSize bytes, left uninitialised: a page is touched only when a burst
  // reaches its slots, so a deep queue costs memory only as deep as the load goes.
  std::unique_ptr<uint8_t[]> sendBytes_;
  uint8_t* sendSlot(size_t i) { return sendBytes_.get() + i * kSlotSize; }
  std::vector<size_t> sendSizes_;
  std::vector<SocketAddress> sendAddrs_;
  std::vector<iovec> sendIov_;
  std::vector<mmsghdr> sendHeaders_;
  size_t queued_ = 0;

  // Segmentation state, per flush: each slot's group, and per group its first slot, its
  // segment size, how many slots it has, whether it took a shorter (last) one, and where its
  // iovecs start. `table_` maps destinations to their open group (open addressing).
  struct Group {
    uint32_t first = 0;
    uint32_t segment = 0;
    uint32_t count = 0;
    uint32_t bytes = 0;
    uint32_t iov = 0;
    bool closed = false;
  };
  std::vector<uint32_t> slotGroup_;
  std::vector<Group> groups_;
  std::vector<SocketAddress::Key> slotKeys_;
  std::vector<int32_t> table_;
  std::vector<uint32_t> tableUsed_;
  std::vector<std::array<uint8_t, CMSG_SPACE(sizeof(uint16_t))>> control_;

  uint64_t sendErrors_ = 0;
  uint64_t datagramsSent_ = 0;
  uint64_t messagesSent_ = 0;
};

}  // namespace parley::media::net
