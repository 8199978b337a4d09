#include "media/net/UdpSocket.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "media/net/SocketAddress.h"

namespace parley::media::net {
namespace {

// Waits (bounded) for datagrams and drains them; returns their sizes in arrival order and
// checks every sender is `fromPort` on 127.0.0.1.
std::vector<size_t> receiveAll(UdpSocket& s, size_t expected, uint16_t fromPort,
                               std::vector<std::vector<uint8_t>>* contents = nullptr) {
  std::vector<size_t> sizes;
  for (int idle = 0; sizes.size() < expected && idle < 20;) {
    pollfd p{s.fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) {
      ++idle;
      continue;
    }
    const size_t n = s.receiveBatch();
    EXPECT_LE(n, UdpSocket::kBatch);
    for (size_t i = 0; i < n; ++i) {
      sizes.push_back(s.receivedSize(i));
      const SocketAddress from = s.receivedFrom(i);
      EXPECT_EQ(from.port(), fromPort);
      EXPECT_EQ(from.ip(), "127.0.0.1");
      if (contents) contents->emplace_back(s.received(i), s.received(i) + s.receivedSize(i));
    }
  }
  return sizes;
}

// One commit of `size` bytes whose content identifies it (index in byte 0, then a pattern).
void queue(UdpSocket& s, size_t index, size_t size, const SocketAddress& to) {
  uint8_t* slot = s.reserve();
  ASSERT_NE(slot, nullptr);
  for (size_t i = 0; i < size; ++i) slot[i] = static_cast<uint8_t>(index + i);
  s.commit(size, to);
}

class UdpSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Heap: the send and receive rings are several hundred KiB.
    a_ = std::make_unique<UdpSocket>("127.0.0.1", 0);
    b_ = std::make_unique<UdpSocket>("127.0.0.1", 0);
    ASSERT_NE(a_->localPort(), 0);
    ASSERT_NE(b_->localPort(), 0);
    ASSERT_NE(a_->localPort(), b_->localPort());
    auto to = SocketAddress::parse("127.0.0.1", b_->localPort());
    ASSERT_TRUE(to);
    toB_ = *to;
  }
  std::unique_ptr<UdpSocket> a_;
  std::unique_ptr<UdpSocket> b_;
  SocketAddress toB_;
};

TEST_F(UdpSocketTest, NothingWaitingReceivesNothing) {
  EXPECT_EQ(b_->receiveBatch(), 0u);
}

TEST_F(UdpSocketTest, BatchIsSentOnFlushAndReceivedWithSizesAndSender) {
  const std::vector<size_t> sizes = {1, 20, 172, 1200, 1500, 64, 999, 12, 300, 1};
  for (size_t i = 0; i < sizes.size(); ++i) queue(*a_, i, sizes[i], toB_);
  // Committed datagrams wait for flush().
  pollfd p{b_->fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 20), 0);
  EXPECT_EQ(b_->receiveBatch(), 0u);

  a_->flush();
  std::vector<std::vector<uint8_t>> contents;
  const auto got = receiveAll(*b_, sizes.size(), a_->localPort(), &contents);
  EXPECT_EQ(got, sizes);  // loopback keeps order
  ASSERT_EQ(contents.size(), sizes.size());
  for (size_t i = 0; i < contents.size(); ++i) {
    ASSERT_EQ(contents[i].size(), sizes[i]);
    EXPECT_EQ(contents[i].front(), static_cast<uint8_t>(i));
    EXPECT_EQ(contents[i].back(), static_cast<uint8_t>(i + sizes[i] - 1));
  }
  EXPECT_EQ(a_->sendErrors(), 0u);
}

TEST_F(UdpSocketTest, RepliesReachTheSender) {
  queue(*a_, 7, 40, toB_);
  a_->flush();
  ASSERT_EQ(receiveAll(*b_, 1, a_->localPort()).size(), 1u);
  // Answer to where the datagram came from, as the transports do.
  const SocketAddress back = b_->receivedFrom(0);
  queue(*b_, 9, 33, back);
  b_->flush();
  EXPECT_EQ(receiveAll(*a_, 1, b_->localPort()), std::vector<size_t>{33});
}

TEST_F(UdpSocketTest, MoreCommitsThanSlotsFlushAutomatically) {
  const size_t total = UdpSocket::kDefaultSendSlots + 44;
  for (size_t i = 0; i < total; ++i) queue(*a_, i, 100, toB_);
  // The first kSendSlots went out when the queue filled, before any flush().
  const auto early = receiveAll(*b_, UdpSocket::kDefaultSendSlots, a_->localPort());
  a_->flush();
  const auto late = receiveAll(*b_, total - early.size(), a_->localPort());
  const size_t received = early.size() + late.size();
  // Loopback rarely drops, but the kernel may; most must arrive and none may be invented.
  EXPECT_LE(received, total);
  EXPECT_GE(received, total * 9 / 10);
  EXPECT_GE(early.size(), UdpSocket::kDefaultSendSlots * 9 / 10);
  for (size_t s : early) EXPECT_EQ(s, 100u);
  for (size_t s : late) EXPECT_EQ(s, 100u);
  EXPECT_EQ(a_->sendErrors(), 0u);
}

TEST_F(UdpSocketTest, EmptyAndOversizedCommitsAreIgnored) {
  std::memset(a_->reserve(), 1, 10);
  a_->commit(0, toB_);
  std::memset(a_->reserve(), 2, 10);
  a_->commit(PacketSink::kSlotSize + 1, toB_);
  queue(*a_, 3, 10, toB_);
  a_->flush();
  EXPECT_EQ(receiveAll(*b_, 3, a_->localPort()), std::vector<size_t>{10});
}

TEST_F(UdpSocketTest, FlushWithNothingQueuedIsHarmless) {
  a_->flush();
  a_->flush();
  EXPECT_EQ(a_->sendErrors(), 0u);
  EXPECT_EQ(b_->receiveBatch(), 0u);
}

// A subscriber's share of a frame: equal packets and a shorter last one, to B, while
// other packets for C come in between (another subscriber of the same frame).
TEST_F(UdpSocketTest, EqualPacketsToOneDestinationLeaveAsOneSegmentedMessage) {
  UdpSocket c("127.0.0.1", 0);
  auto toC = SocketAddress::parse("127.0.0.1", c.localPort());
  ASSERT_TRUE(toC);
  const std::vector<size_t> toB = {1000, 1000, 1000, 1000, 500};
  const std::vector<size_t> toCsizes = {700, 700, 700};
  size_t index = 0;
  for (size_t i = 0; i < toB.size(); ++i) {
    queue(*a_, index++, toB[i], toB_);
    if (i < toCsizes.size()) queue(*a_, index++, toCsizes[i], *toC);
  }
  ASSERT_TRUE(a_->segmentation());
  a_->flush();
  std::vector<std::vector<uint8_t>> atB, atC;
  EXPECT_EQ(receiveAll(*b_, toB.size(), a_->localPort(), &atB), toB);
  EXPECT_EQ(receiveAll(c, toCsizes.size(), a_->localPort(), &atC), toCsizes);
  // Contents in queue order: the commits to B were numbered 0, 2, 4, 6, 7.
  const std::vector<uint8_t> firstBytesB = {0, 2, 4, 6, 7};
  ASSERT_EQ(atB.size(), firstBytesB.size());
  for (size_t i = 0; i < atB.size(); ++i) EXPECT_EQ(atB[i].front(), firstBytesB[i]);
  ASSERT_EQ(atC.size(), 3u);
  EXPECT_EQ(atC[0].front(), 1);
  EXPECT_EQ(atC[2].front(), 5);
  EXPECT_EQ(a_->datagramsSent(), 8u);
  EXPECT_EQ(a_->messagesSent(), 2u);  // one for B, one for C
  EXPECT_EQ(a_->sendErrors(), 0u);
}

TEST_F(UdpSocketTest, UnequalSizesSplitIntoRunsAndKeepTheirOrder) {
  // A larger packet cannot join a run of smaller ones; a shorter one ends the run.
  const std::vector<size_t> sizes = {1000, 1200, 1200, 1000, 1000, 300, 300, 1200};
  for (size_t i = 0; i < sizes.size(); ++i) queue(*a_, i, sizes[i], toB_);
  a_->flush();
  std::vector<std::vector<uint8_t>> got;
  EXPECT_EQ(receiveAll(*b_, sizes.size(), a_->localPort(), &got), sizes);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].front(), i);
  // [1000] [1200 1200 1000] [1000 300] [300] [1200]
  EXPECT_EQ(a_->messagesSent(), 5u);
  EXPECT_EQ(a_->datagramsSent(), sizes.size());
}

TEST_F(UdpSocketTest, LongRunsAreCutAtTheKernelsSegmentLimit) {
  const size_t total = UdpSocket::kMaxSegments + 36;
  for (size_t i = 0; i < total; ++i) queue(*a_, i, 200, toB_);
  a_->flush();
  std::vector<std::vector<uint8_t>> got;
  const auto sizes = receiveAll(*b_, total, a_->localPort(), &got);
  EXPECT_EQ(sizes.size(), total);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].front(), static_cast<uint8_t>(i));
  EXPECT_EQ(a_->messagesSent(), 2u);
}

TEST_F(UdpSocketTest, WithoutSegmentationEveryDatagramIsItsOwnMessage) {
  a_->setSegmentation(false);
  for (size_t i = 0; i < 6; ++i) queue(*a_, i, 900, toB_);
  a_->flush();
  EXPECT_EQ(receiveAll(*b_, 6, a_->localPort()).size(), 6u);
  EXPECT_EQ(a_->messagesSent(), 6u);
  EXPECT_EQ(a_->datagramsSent(), 6u);
}

TEST(UdpSocketBindTest, InvalidAddressThrows) {
  EXPECT_THROW(std::make_unique<UdpSocket>("not-an-ip", 0), std::runtime_error);
  EXPECT_THROW(std::make_unique<UdpSocket>("", 0), std::runtime_error);
  EXPECT_THROW(std::make_unique<UdpSocket>("256.0.0.1", 0), std::runtime_error);
  // A well-formed address this host does not own cannot be bound.
  EXPECT_THROW(std::make_unique<UdpSocket>("192.0.2.123", 0), std::runtime_error);
}

TEST(UdpSocketBindTest, PortInUseThrows) {
  auto first = std::make_unique<UdpSocket>("127.0.0.1", 0);
  EXPECT_THROW(std::make_unique<UdpSocket>("127.0.0.1", first->localPort()), std::runtime_error);
}

// A socket of its own (not a UdpSocket) bound to 127.0.0.1:`port`, with SO_REUSEPORT when
// asked; -1 if the bind failed.
int bindPlain(uint16_t port, bool reusePort) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  if (reusePort) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
  auto at = SocketAddress::parse("127.0.0.1", port);
  if (::bind(fd, at->sockaddrPtr(), at->length()) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

TEST(UdpSocketBindTest, ASocketJoiningThePortGetsNothing) {
  // Sends leave from a second socket sharing the port: a plain socket still cannot bind it,
  // and one that joins with SO_REUSEPORT (same user only) receives none of its datagrams.
  auto first = std::make_unique<UdpSocket>("127.0.0.1", 0);
  EXPECT_TRUE(first->separateSender());
  EXPECT_EQ(bindPlain(first->localPort(), false), -1);
  const int joined = bindPlain(first->localPort(), true);
  ASSERT_GE(joined, 0);
  const int peer = bindPlain(0, false);
  auto to = SocketAddress::parse("127.0.0.1", first->localPort());
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(::sendto(peer, "y", 1, 0, to->sockaddrPtr(), to->length()), 1);
  size_t received = 0;
  for (int idle = 0; received < 50 && idle < 20;) {
    pollfd w{first->fd(), POLLIN, 0};
    if (::poll(&w, 1, 50) <= 0) {
      ++idle;
      continue;
    }
    received += first->receiveBatch();
  }
  EXPECT_EQ(received, 50u);
  pollfd j{joined, POLLIN, 0};
  EXPECT_EQ(::poll(&j, 1, 0), 0);
  ::close(joined);
  ::close(peer);
}

TEST(UdpSocketBindTest, EveryIncomingDatagramReachesTheReceivingSocket) {
  // The send-only socket shares the port: without the group's program, the kernel would
  // hand about half the peers (by address hash) to it, and their datagrams would be lost.
  for (const char* ip : {"127.0.0.1", "0.0.0.0"}) {
    auto s = std::make_unique<UdpSocket>(ip, 0);
    ASSERT_TRUE(s->separateSender()) << ip;
    auto to = SocketAddress::parse("127.0.0.1", s->localPort());
    constexpr size_t kPeers = 16;
    constexpr size_t kEach = 8;
    std::vector<int> peers;
    for (size_t p = 0; p < kPeers; ++p) {
      peers.push_back(bindPlain(0, false));
      ASSERT_GE(peers.back(), 0);
    }
    size_t received = 0;
    for (size_t p = 0; p < kPeers; ++p) {
      for (size_t i = 0; i < kEach; ++i)
        ASSERT_EQ(::sendto(peers[p], "x", 1, 0, to->sockaddrPtr(), to->length()), 1);
      for (int idle = 0; received < (p + 1) * kEach && idle < 20;) {
        pollfd w{s->fd(), POLLIN, 0};
        if (::poll(&w, 1, 50) <= 0) {
          ++idle;
          continue;
        }
        received += s->receiveBatch();
      }
      // The answer leaves from the same port, and reaches the peer.
      sockaddr_storage local{};
      socklen_t length = sizeof(local);
      ::getsockname(peers[p], reinterpret_cast<sockaddr*>(&local), &length);
      queue(*s, p, 20, SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&local), length));
      s->flush();
      pollfd r{peers[p], POLLIN, 0};
      ASSERT_EQ(::poll(&r, 1, 2000), 1) << ip;
      sockaddr_storage from{};
      socklen_t fromLength = sizeof(from);
      uint8_t answer[64];
      ASSERT_EQ(::recvfrom(peers[p], answer, sizeof(answer), 0, reinterpret_cast<sockaddr*>(&from),
                           &fromLength),
                20);
      EXPECT_EQ(SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&from), fromLength).port(),
                s->localPort());
    }
    EXPECT_EQ(received, kPeers * kEach) << ip;
    for (int fd : peers) ::close(fd);
  }
}

TEST(UdpSocketBindTest, BindsTheRequestedPort) {
  auto probe = std::make_unique<UdpSocket>("127.0.0.1", 0);
  const uint16_t port = probe->localPort();
  probe.reset();  // free it again
  auto s = std::make_unique<UdpSocket>("127.0.0.1", port);
  EXPECT_EQ(s->localPort(), port);
}

}  // namespace
}  // namespace parley::media::net
