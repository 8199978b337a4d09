#include "media/Worker.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "MediaTestSupport.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/WebRtcTransport.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/stun/StunMessage.h"

namespace parley::media {
namespace {

using parley::media::testsupport::NoEvents;

const std::string kUfrag = "pubU";
const std::string kPassword = "publisherpasswordpublisher";

TrackDescription audioTrack() {
  return testsupport::track(sdp::MediaKind::Audio, "0", {testsupport::opus()}, {{3000, 0, ""}});
}

net::SocketAddress browser(uint16_t port) {
  return *net::SocketAddress::parse("127.0.0.1", port);
}

// A worker driven by hand (no thread): datagrams go straight to dispatch().
class WorkerTest : public ::testing::Test {
 protected:
  Publication& publish(const std::string& streamId = "stream", const std::string& ufrag = kUfrag) {
    Router& r = worker.router("session");
    auto transport =
        std::make_unique<WebRtcTransport>("pub:" + streamId, ufrag, kPassword, certificate, worker);
    return r.addPublication(std::make_unique<Publication>(
        r, streamId, std::vector<TrackDescription>{audioTrack()}, std::move(transport)));
  }

  // An authenticated connectivity check from `from`, as a browser sends it.
  void check(const net::SocketAddress& from, bool useCandidate = false,
             const std::string& ufrag = kUfrag) {
    std::array<uint8_t, 256> buffer{};
    std::array<uint8_t, stun::StunMessage::kTransactionIdSize> txid{};
    txid[0] = static_cast<uint8_t>(++transactions);
    txid[1] = static_cast<uint8_t>(transactions >> 8);
    size_t n = stun::StunMessage::buildBindingRequest(buffer.data(), buffer.size(), txid.data(),
                                                      ufrag + ":brws", kPassword, 0x6E0001FF,
                                                      useCandidate, 0x1122334455667788ull);
    ASSERT_GT(n, 0u);
    worker.dispatch(buffer.data(), n, from);
  }

  void rtp(const net::SocketAddress& from) {
    std::array<uint8_t, 64> packet{};
    packet[0] = 0x80;
    packet[1] = 111;
    packet[11] = 1;
    worker.dispatch(packet.data(), packet.size(), from);
  }

  NoEvents events;
  Worker worker{0, Worker::Settings{}, events};
  std::shared_ptr<const dtls::DtlsCertificate> certificate = dtls::DtlsCertificate::generate();
  unsigned transactions = 0;
};

// The reported use-after-free: checks from more addresses than the worker remembered for
// unregistering, then the publication goes away and a packet comes from the last address.
TEST_F(WorkerTest, APacketFromAnyCheckedAddressAfterTheTransportIsGoneIsDropped) {
  publish();
  for (uint16_t i = 0; i < 65; ++i) check(browser(static_cast<uint16_t>(40000 + i)));
  worker.router("session").removePublication("stream");
  const uint64_t dropped = worker.counters().datagramsDropped.value();
  rtp(browser(40064));
  EXPECT_EQ(worker.counters().datagramsDropped.value(), dropped + 1);
}

TEST_F(WorkerTest, RemovingATransportUnmapsEveryAddressItHad) {
  publish();
  for (uint16_t i = 0; i < 20; ++i) check(browser(static_cast<uint16_t>(40000 + i)));
  EXPECT_GT(worker.mappedAddresses(), 0u);
  worker.router("session").removePublication("stream");
  EXPECT_EQ(worker.mappedAddresses(), 0u);
  for (uint16_t i = 0; i < 20; ++i)
    EXPECT_EQ(worker.transportAt(browser(static_cast<uint16_t>(40000 + i))), nullptr);
}

TEST_F(WorkerTest, ATransportKeepsABoundedSetOfAddressesAndTheWorkerMapsExactlyThose) {
  WebRtcTransport& t = publish().transport();
  for (uint16_t i = 0; i < 50; ++i) check(browser(static_cast<uint16_t>(40000 + i)));
  ASSERT_EQ(t.tupleCount(), WebRtcTransport::kMaxTuples);
  EXPECT_EQ(worker.mappedAddresses(), WebRtcTransport::kMaxTuples);
  for (uint16_t i = 0; i < 50; ++i) {
    const auto a = browser(static_cast<uint16_t>(40000 + i));
    EXPECT_EQ(worker.transportAt(a) == &t, t.hasTuple(a)) << i;
  }
  // Before any nomination the first valid address carries the media: it stays. The others
  // are the most recently checked ones.
  EXPECT_TRUE(t.hasTuple(browser(40000)));
  for (uint16_t i = 50 - (WebRtcTransport::kMaxTuples - 1); i < 50; ++i)
    EXPECT_TRUE(t.hasTuple(browser(static_cast<uint16_t>(40000 + i)))) << i;
  // A forgotten address is just unknown: its packets are dropped.
  const uint64_t dropped = worker.counters().datagramsDropped.value();
  rtp(browser(40001));
  EXPECT_EQ(worker.counters().datagramsDropped.value(), dropped + 1);
}

TEST_F(WorkerTest, TheNominatedAddressSurvivesChecksFromManyOthers) {
  WebRtcTransport& t = publish().transport();
  for (uint16_t i = 0; i < 3; ++i) check(browser(static_cast<uint16_t>(40000 + i)));
  check(browser(41000), /*useCandidate=*/true);
  ASSERT_EQ(t.selectedAddress(), browser(41000).toString());
  for (uint16_t i = 3; i < 100; ++i) check(browser(static_cast<uint16_t>(40000 + i)));
  EXPECT_TRUE(t.hasTuple(browser(41000)));
  EXPECT_EQ(worker.transportAt(browser(41000)), &t);
  EXPECT_EQ(t.selectedAddress(), browser(41000).toString());
}

TEST_F(WorkerTest, TheLeastRecentlyCheckedAddressIsTheOneForgotten) {
  WebRtcTransport& t = publish().transport();
  for (uint16_t i = 0; i < WebRtcTransport::kMaxTuples; ++i)
    check(browser(static_cast<uint16_t>(40000 + i)));
  check(browser(40001));  // consent refresh: 40002 is now the oldest besides the selected 40000
  check(browser(45000));
  EXPECT_TRUE(t.hasTuple(browser(40000)));
  EXPECT_TRUE(t.hasTuple(browser(40001)));
  EXPECT_FALSE(t.hasTuple(browser(40002)));
  EXPECT_EQ(worker.transportAt(browser(40002)), nullptr);
  EXPECT_TRUE(t.hasTuple(browser(45000)));
  EXPECT_EQ(worker.transportAt(browser(45000)), &t);
}

TEST_F(WorkerTest, AnAddressThatChecksInForAnotherTransportMovesToIt) {
  WebRtcTransport& first = publish("one", "ufr1").transport();
  WebRtcTransport& second = publish("two", "ufr2").transport();
  check(browser(40000), false, "ufr1");
  ASSERT_EQ(worker.transportAt(browser(40000)), &first);
  check(browser(40000), false, "ufr2");
  EXPECT_EQ(worker.transportAt(browser(40000)), &second);
  EXPECT_FALSE(first.hasTuple(browser(40000)));
  EXPECT_TRUE(second.hasTuple(browser(40000)));
  // Removing the first transport leaves the second one's address alone, and vice versa.
  worker.router("session").removePublication("one");
  EXPECT_EQ(worker.transportAt(browser(40000)), &second);
  worker.router("session").removePublication("two");
  EXPECT_EQ(worker.mappedAddresses(), 0u);
}

TEST_F(WorkerTest, ATransportDestroyedWhileRegisteredLeavesNothingBehind) {
  auto t = std::make_unique<WebRtcTransport>("loose", "lose", kPassword, certificate, worker);
  worker.registerTransport(t.get());
  check(browser(40000), false, "lose");
  ASSERT_EQ(worker.transportAt(browser(40000)), t.get());
  t.reset();
  EXPECT_EQ(worker.mappedAddresses(), 0u);
  EXPECT_EQ(worker.load(), 0u);
  // Neither its ufrag nor its address leads anywhere now.
  check(browser(40000), false, "lose");
  rtp(browser(40000));
  EXPECT_EQ(worker.mappedAddresses(), 0u);
}

}  // namespace
}  // namespace parley::media
