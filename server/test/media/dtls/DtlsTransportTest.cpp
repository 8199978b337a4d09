#include "media/dtls/DtlsTransport.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "media/srtp/SrtpSession.h"

namespace parley::media::dtls {
namespace {

using namespace std::chrono_literals;
using srtp::SrtpProfile;
using srtp::SrtpSession;
using State = DtlsTransport::State;
using Datagram = std::vector<uint8_t>;

// Records everything a transport tells its owner.
struct Peer : DtlsTransport::Listener {
  void onDtlsSend(const uint8_t* data, size_t size) override {
    outbox.emplace_back(data, data + size);
    largestDatagram = std::max(largestDatagram, size);
    ++sent;
  }
  void onDtlsConnected(SrtpProfile p, std::span<const uint8_t> localKey,
                       std::span<const uint8_t> remoteKey) override {
    ++connected;
    profile = p;
    local.assign(localKey.begin(), localKey.end());
    remote.assign(remoteKey.begin(), remoteKey.end());
  }
  void onDtlsFailed(std::string_view reason) override { failures.emplace_back(reason); }
  void onDtlsClosed() override { ++closed; }

  std::deque<Datagram> outbox;
  size_t largestDatagram = 0;
  size_t sent = 0;
  int connected = 0;
  SrtpProfile profile = SrtpProfile::AesCm128HmacSha1_80;
  std::vector<uint8_t> local;
  std::vector<uint8_t> remote;
  std::vector<std::string> failures;
  int closed = 0;
};

class DtlsTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clientCert_ = DtlsCertificate::generate();
    serverCert_ = DtlsCertificate::generate();
    strangerCert_ = DtlsCertificate::generate();
  }
  static void TearDownTestSuite() {
    clientCert_.reset();
    serverCert_.reset();
    strangerCert_.reset();
  }

  void TearDown() override {
    // Every datagram fits the configured MTU (it has no UDP/IP headers to account for).
    EXPECT_LE(clientPeer_.largestDatagram, DtlsTransport::kMtu);
    EXPECT_LE(serverPeer_.largestDatagram, DtlsTransport::kMtu);
  }

  void exchangeFingerprints() {
    client_.setRemoteFingerprint("sha-256", serverCert_->fingerprintSha256());
    server_.setRemoteFingerprint("sha-256", clientCert_->fingerprintSha256());
  }

  void startBoth() {
    server_.start(DtlsRole::Server);
    client_.start(DtlsRole::Client);
  }

  static void deliver(std::deque<Datagram>& from, DtlsTransport& to) {
    // Take the queue first: `to` may answer right away into the other queue, never this one.
    auto batch = std::exchange(from, {});
    for (const auto& d : batch) to.receive(d.data(), d.size());
  }

  // Delivers queued datagrams both ways until both sides are quiet.
  void pump() {
    for (int round = 0; round < 50; ++round) {
      if (clientPeer_.outbox.empty() && serverPeer_.outbox.empty()) return;
      deliver(clientPeer_.outbox, server_);
      deliver(serverPeer_.outbox, client_);
    }
    ADD_FAILURE() << "handshake did not settle";
  }

  // Waits for the retransmission timers and fires them until both sides connect (or a
  // deadline). Returns how many times a timer was handled.
  int recoverWithTimers() {
    int fired = 0;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!(client_.state() == State::Connected && server_.state() == State::Connected) &&
           std::chrono::steady_clock::now() < deadline) {
      auto wait = 20ms;
      for (auto* t : {&client_, &server_}) {
        if (auto left = t->timeout()) wait = std::min<std::chrono::milliseconds>(wait, *left);
      }
      std::this_thread::sleep_for(wait);
      for (auto* t : {&client_, &server_}) {
        if (t->timeout() && *t->timeout() == 0ms) {
          t->handleTimeout();
          ++fired;
        }
      }
      pump();
    }
    return fired;
  }

  void expectConnected(SrtpProfile profile) {
    ASSERT_EQ(State::Connected, client_.state()) << failuresText();
    ASSERT_EQ(State::Connected, server_.state()) << failuresText();
    EXPECT_EQ(1, clientPeer_.connected);
    EXPECT_EQ(1, serverPeer_.connected);
    EXPECT_EQ(profile, clientPeer_.profile);
    EXPECT_EQ(profile, serverPeer_.profile);
    EXPECT_EQ(profile, client_.profile());
    EXPECT_EQ(profile, server_.profile());
    const size_t size = srtp::srtpKeyMaterialSize(profile);
    EXPECT_EQ(size, clientPeer_.local.size());
    EXPECT_EQ(size, clientPeer_.remote.size());
    EXPECT_EQ(clientPeer_.local, serverPeer_.remote);
    EXPECT_EQ(clientPeer_.remote, serverPeer_.local);
    EXPECT_NE(clientPeer_.local, clientPeer_.remote);
    EXPECT_TRUE(clientPeer_.failures.empty()) << failuresText();
    EXPECT_TRUE(serverPeer_.failures.empty()) << failuresText();
  }

  std::string failuresText() const {
    std::string out;
    for (const auto& f : clientPeer_.failures) out += "client: " + f + "\n";
    for (const auto& f : serverPeer_.failures) out += "server: " + f + "\n";
    return out;
  }

  static std::shared_ptr<const DtlsCertificate> clientCert_;
  static std::shared_ptr<const DtlsCertificate> serverCert_;
  static std::shared_ptr<const DtlsCertificate> strangerCert_;

  Peer clientPeer_;
  Peer serverPeer_;
  DtlsTransport client_{clientCert_, clientPeer_};
  DtlsTransport server_{serverCert_, serverPeer_};
};

std::shared_ptr<const DtlsCertificate> DtlsTransportTest::clientCert_;
std::shared_ptr<const DtlsCertificate> DtlsTransportTest::serverCert_;
std::shared_ptr<const DtlsCertificate> DtlsTransportTest::strangerCert_;

// One SRTP packet from `sender`'s local keys to `receiver`'s remote keys.
void expectKeysWork(SrtpProfile profile, const std::vector<uint8_t>& senderLocal,
                    const std::vector<uint8_t>& receiverRemote) {
  std::string error;
  auto out = SrtpSession::create(profile, SrtpSession::Direction::Outbound, senderLocal, &error);
  ASSERT_TRUE(out) << error;
  auto in = SrtpSession::create(profile, SrtpSession::Direction::Inbound, receiverRemote, &error);
  ASSERT_TRUE(in) << error;
  std::vector<uint8_t> plain = {0x80, 0x60, 0x12, 0x34, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef};
  for (int i = 0; i < 50; ++i) plain.push_back(static_cast<uint8_t>(i));
  std::vector<uint8_t> buf = plain;
  buf.resize(plain.size() + SrtpSession::kMaxTrailer);
  size_t size = plain.size();
  ASSERT_TRUE(out->protectRtp(buf.data(), size, buf.size()));
  ASSERT_TRUE(in->unprotectRtp(buf.data(), size));
  buf.resize(size);
  EXPECT_EQ(plain, buf);
}

TEST_F(DtlsTransportTest, HandshakeCompletesAndKeysMatch) {
  EXPECT_EQ(State::New, client_.state());
  EXPECT_FALSE(client_.role());
  exchangeFingerprints();
  startBoth();
  EXPECT_EQ(State::Connecting, server_.state());
  EXPECT_EQ(0u, serverPeer_.sent);  // the server waits for the ClientHello
  EXPECT_EQ(1u, clientPeer_.outbox.size());
  EXPECT_EQ(DtlsRole::Client, client_.role());
  pump();
  // Both offer GCM first, so GCM wins.
  expectConnected(SrtpProfile::AeadAes128Gcm);
  EXPECT_EQ(28u, clientPeer_.local.size());
  expectKeysWork(SrtpProfile::AeadAes128Gcm, clientPeer_.local, serverPeer_.remote);
  expectKeysWork(SrtpProfile::AeadAes128Gcm, serverPeer_.local, clientPeer_.remote);
  // No retransmission is pending once the client has the server's Finished.
  EXPECT_FALSE(client_.timeout());
}

TEST_F(DtlsTransportTest, ServerOrderDecidesTheProfile) {
  const SrtpProfile cmFirst[] = {SrtpProfile::AesCm128HmacSha1_80, SrtpProfile::AeadAes128Gcm};
  ASSERT_TRUE(client_.setSrtpProfiles(cmFirst));
  exchangeFingerprints();
  startBoth();
  pump();
  // OpenSSL's server walks its own list and takes the first the client offered at all.
  expectConnected(SrtpProfile::AeadAes128Gcm);
}

TEST_F(DtlsTransportTest, CmOnlyClientGetsCm) {
  const SrtpProfile cmOnly[] = {SrtpProfile::AesCm128HmacSha1_80};
  ASSERT_TRUE(client_.setSrtpProfiles(cmOnly));
  exchangeFingerprints();
  startBoth();
  pump();
  expectConnected(SrtpProfile::AesCm128HmacSha1_80);
  EXPECT_EQ(30u, clientPeer_.local.size());
  expectKeysWork(SrtpProfile::AesCm128HmacSha1_80, clientPeer_.local, serverPeer_.remote);
  expectKeysWork(SrtpProfile::AesCm128HmacSha1_80, serverPeer_.local, clientPeer_.remote);
}

TEST_F(DtlsTransportTest, CmOnlyServerGetsCm) {
  const SrtpProfile cmOnly[] = {SrtpProfile::AesCm128HmacSha1_80};
  ASSERT_TRUE(server_.setSrtpProfiles(cmOnly));
  exchangeFingerprints();
  startBoth();
  pump();
  expectConnected(SrtpProfile::AesCm128HmacSha1_80);
}

TEST_F(DtlsTransportTest, NoCommonProfileFailsBothSides) {
  const SrtpProfile gcm[] = {SrtpProfile::AeadAes128Gcm};
  const SrtpProfile cm[] = {SrtpProfile::AesCm128HmacSha1_80};
  ASSERT_TRUE(client_.setSrtpProfiles(gcm));
  ASSERT_TRUE(server_.setSrtpProfiles(cm));
  exchangeFingerprints();
  startBoth();
  pump();
  EXPECT_EQ(State::Failed, client_.state());
  EXPECT_EQ(State::Failed, server_.state());
  ASSERT_EQ(1u, clientPeer_.failures.size());
  ASSERT_EQ(1u, serverPeer_.failures.size());
  EXPECT_EQ("no SRTP profile negotiated", serverPeer_.failures[0]);
  EXPECT_EQ("no SRTP profile negotiated", clientPeer_.failures[0]);
  EXPECT_EQ(0, clientPeer_.connected + serverPeer_.connected);
  EXPECT_FALSE(server_.profile());
}

TEST_F(DtlsTransportTest, ProfilesOnlyBeforeStart) {
  EXPECT_FALSE(client_.setSrtpProfiles({}));
  client_.start(DtlsRole::Client);
  const SrtpProfile cm[] = {SrtpProfile::AesCm128HmacSha1_80};
  EXPECT_FALSE(client_.setSrtpProfiles(cm));
}

TEST_F(DtlsTransportTest, ServerRejectsWrongClientFingerprint) {
  client_.setRemoteFingerprint("sha-256", serverCert_->fingerprintSha256());
  server_.setRemoteFingerprint("sha-256", strangerCert_->fingerprintSha256());
  startBoth();
  pump();
  EXPECT_EQ(State::Failed, server_.state());
  ASSERT_EQ(1u, serverPeer_.failures.size());
  EXPECT_EQ("fingerprint mismatch", serverPeer_.failures[0]);
  // The server aborted with a fatal alert, so the client fails too.
  EXPECT_EQ(State::Failed, client_.state());
  EXPECT_EQ(1u, clientPeer_.failures.size()) << failuresText();
  EXPECT_EQ(0, clientPeer_.connected + serverPeer_.connected);
}

TEST_F(DtlsTransportTest, ClientRejectsWrongServerFingerprint) {
  client_.setRemoteFingerprint("sha-256", strangerCert_->fingerprintSha256());
  server_.setRemoteFingerprint("sha-256", clientCert_->fingerprintSha256());
  startBoth();
  pump();
  EXPECT_EQ(State::Failed, client_.state());
  ASSERT_EQ(1u, clientPeer_.failures.size());
  EXPECT_EQ("fingerprint mismatch", clientPeer_.failures[0]);
  EXPECT_EQ(State::Failed, server_.state());
  EXPECT_EQ(0, clientPeer_.connected + serverPeer_.connected);
}

TEST_F(DtlsTransportTest, FingerprintIsCaseInsensitiveAndMayUseOtherHashes) {
  std::string lower = clientCert_->fingerprintSha256();
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  server_.setRemoteFingerprint("SHA-256", lower);
  client_.setRemoteFingerprint("sha-1",
                               *DtlsCertificate::fingerprintOf(serverCert_->x509(), "sha-1"));
  startBoth();
  pump();
  expectConnected(SrtpProfile::AeadAes128Gcm);
}

TEST_F(DtlsTransportTest, FingerprintMaySetDuringTheHandshake) {
  startBoth();
  deliver(clientPeer_.outbox, server_);  // ClientHello
  deliver(serverPeer_.outbox, client_);  // server flight, certificate accepted for now
  exchangeFingerprints();
  pump();
  expectConnected(SrtpProfile::AeadAes128Gcm);
}

TEST_F(DtlsTransportTest, MissingFingerprintFailsAtHandshakeEnd) {
  client_.setRemoteFingerprint("sha-256", serverCert_->fingerprintSha256());
  startBoth();
  pump();
  EXPECT_EQ(State::Failed, server_.state());
  ASSERT_EQ(1u, serverPeer_.failures.size());
  EXPECT_EQ("remote fingerprint not set", serverPeer_.failures[0]);
  EXPECT_EQ(0, serverPeer_.connected);
  // The client had finished too; the server's close_notify tells it to stop.
  EXPECT_EQ(1, clientPeer_.connected);
  EXPECT_EQ(1, clientPeer_.closed);
  EXPECT_EQ(State::Closed, client_.state());
}

TEST_F(DtlsTransportTest, TimersStartShortAndBackOff) {
  EXPECT_FALSE(client_.timeout());
  client_.start(DtlsRole::Client);
  ASSERT_EQ(1u, clientPeer_.outbox.size());
  const auto first = client_.timeout();
  ASSERT_TRUE(first);
  EXPECT_LE(*first, DtlsTransport::kInitialRetransmitTimeout);  // not OpenSSL's 1 s
  client_.handleTimeout();                                      // not yet expired: nothing happens
  EXPECT_EQ(1u, clientPeer_.outbox.size());
  std::this_thread::sleep_for(*first);
  ASSERT_EQ(0ms, client_.timeout());
  const auto fired = std::chrono::steady_clock::now();
  client_.handleTimeout();
  ASSERT_EQ(2u, clientPeer_.outbox.size());
  // The same ClientHello again, in a record with the next sequence number.
  const Datagram& a = clientPeer_.outbox[0];
  const Datagram& b = clientPeer_.outbox[1];
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(std::equal(a.begin() + 13, a.end(), b.begin() + 13));
  EXPECT_NE(a[10], b[10]);
  const auto second = client_.timeout();
  ASSERT_TRUE(second);
  // Doubled: what is left plus what already passed exceeds the first duration.
  const auto passed =
      std::chrono::ceil<std::chrono::milliseconds>(std::chrono::steady_clock::now() - fired);
  EXPECT_GT(*second + passed, DtlsTransport::kInitialRetransmitTimeout + 20ms);
  EXPECT_LE(*second, 2 * DtlsTransport::kInitialRetransmitTimeout);
}

TEST_F(DtlsTransportTest, DroppedServerFlightIsRetransmitted) {
  exchangeFingerprints();
  startBoth();
  deliver(clientPeer_.outbox, server_);
  ASSERT_FALSE(serverPeer_.outbox.empty());
  serverPeer_.outbox.clear();  // lost on the way
  const auto serverTimer = server_.timeout();
  ASSERT_TRUE(serverTimer);
  EXPECT_LE(*serverTimer, DtlsTransport::kInitialRetransmitTimeout);
  EXPECT_GE(recoverWithTimers(), 1);
  expectConnected(SrtpProfile::AeadAes128Gcm);
}

TEST_F(DtlsTransportTest, DroppedFinalServerFlightIsRecovered) {
  exchangeFingerprints();
  startBoth();
  deliver(clientPeer_.outbox, server_);  // ClientHello
  deliver(serverPeer_.outbox, client_);  // ServerHello … ServerHelloDone
  deliver(clientPeer_.outbox, server_);  // Certificate … Finished
  ASSERT_EQ(State::Connected, server_.state()) << failuresText();
  ASSERT_FALSE(serverPeer_.outbox.empty());
  serverPeer_.outbox.clear();  // the server's ChangeCipherSpec + Finished are lost
  ASSERT_TRUE(client_.timeout());
  // The client resends its last flight; the connected server answers with its own again.
  EXPECT_GE(recoverWithTimers(), 1);
  expectConnected(SrtpProfile::AeadAes128Gcm);
}

std::vector<Datagram> garbage() {
  std::vector<Datagram> out;
  uint32_t x = 0x2545F491;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return static_cast<uint8_t>(x);
  };
  for (size_t size : {0, 1, 12, 13, 14, 25, 100, 1199, 1500, 20000, 70000}) {
    Datagram d(size);
    for (auto& b : d) b = next();
    out.push_back(d);
  }
  // Plausible record headers: handshake / alert / application data / CCS, DTLS 1.2 and
  // 1.0, lengths that lie.
  for (uint8_t type : {20, 21, 22, 23}) {
    for (uint8_t minor : {0xfd, 0xff}) {
      Datagram d = {type, 0xfe, minor, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x10};
      for (int i = 0; i < 16; ++i) d.push_back(next());
      out.push_back(d);
      d[11] = 0xff;  // claims more than is there
      out.push_back(d);
      d[3] = 0x01;  // epoch 1
      d[11] = 0x10;
      out.push_back(d);
    }
  }
  Datagram hello = {22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c,  // record, 12 bytes
                    1,  0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0};    // empty ClientHello
  out.push_back(hello);
  return out;
}

TEST_F(DtlsTransportTest, GarbageDoesNotBreakALaterHandshake) {
  exchangeFingerprints();
  startBoth();
  for (const auto& d : garbage()) {
    server_.receive(d.data(), d.size());
    client_.receive(d.data(), d.size());
  }
  client_.receive(nullptr, 100);
  EXPECT_EQ(State::Connecting, server_.state()) << failuresText();
  EXPECT_EQ(State::Connecting, client_.state()) << failuresText();
  // The garbage may have drawn alerts or nothing; drop whatever it caused.
  serverPeer_.outbox.clear();
  while (clientPeer_.outbox.size() > 1) clientPeer_.outbox.pop_back();
  pump();
  expectConnected(SrtpProfile::AeadAes128Gcm);
  // Connected transports drop records that fail authentication.
  for (const auto& d : garbage()) {
    server_.receive(d.data(), d.size());
    client_.receive(d.data(), d.size());
  }
  EXPECT_EQ(State::Connected, server_.state()) << failuresText();
  EXPECT_EQ(State::Connected, client_.state()) << failuresText();
}

TEST_F(DtlsTransportTest, MangledHandshakeNeverCrashes) {
  // Capture a real client flight, then feed every single-byte corruption and truncation of
  // it to fresh servers. Some are legitimate fatal errors; none may crash.
  exchangeFingerprints();
  startBoth();
  const Datagram hello = clientPeer_.outbox.front();
  for (size_t i = 0; i < hello.size(); i += 3) {
    for (int variant = 0; variant < 2; ++variant) {
      Peer p;
      DtlsTransport server(serverCert_, p);
      server.setRemoteFingerprint("sha-256", clientCert_->fingerprintSha256());
      server.start(DtlsRole::Server);
      Datagram d = hello;
      if (variant == 0) {
        d[i] ^= 0x5a;
      } else {
        d.resize(i);
      }
      server.receive(d.data(), d.size());
      server.handleTimeout();
      (void)server.timeout();
      server.close();
    }
  }
}

TEST_F(DtlsTransportTest, LateCopiesOfHandshakeDatagramsAreHarmless) {
  exchangeFingerprints();
  startBoth();
  std::vector<Datagram> fromClient;
  std::vector<Datagram> fromServer;
  for (int round = 0; round < 10; ++round) {
    fromClient.insert(fromClient.end(), clientPeer_.outbox.begin(), clientPeer_.outbox.end());
    fromServer.insert(fromServer.end(), serverPeer_.outbox.begin(), serverPeer_.outbox.end());
    deliver(clientPeer_.outbox, server_);
    deliver(serverPeer_.outbox, client_);
  }
  expectConnected(SrtpProfile::AeadAes128Gcm);
  // Delayed duplicates of every handshake datagram, as a lossy path with retransmissions
  // would deliver them.
  for (const auto& d : fromClient) server_.receive(d.data(), d.size());
  for (const auto& d : fromServer) client_.receive(d.data(), d.size());
  pump();
  EXPECT_EQ(State::Connected, client_.state()) << failuresText();
  EXPECT_EQ(State::Connected, server_.state()) << failuresText();
  EXPECT_EQ(1, clientPeer_.connected);
  EXPECT_EQ(1, serverPeer_.connected);
}

TEST_F(DtlsTransportTest, InputBeforeStartIsIgnored) {
  client_.start(DtlsRole::Client);
  const Datagram hello = clientPeer_.outbox.front();
  server_.receive(hello.data(), hello.size());
  EXPECT_EQ(State::New, server_.state());
  EXPECT_EQ(0u, serverPeer_.sent);
}

TEST_F(DtlsTransportTest, CloseNotifiesThePeer) {
  exchangeFingerprints();
  startBoth();
  pump();
  expectConnected(SrtpProfile::AeadAes128Gcm);
  client_.close();
  EXPECT_EQ(State::Closed, client_.state());
  ASSERT_FALSE(clientPeer_.outbox.empty());
  pump();
  EXPECT_EQ(State::Closed, server_.state());
  EXPECT_EQ(1, serverPeer_.closed);
  EXPECT_EQ(0, clientPeer_.closed);  // a local close() reports nothing
  EXPECT_TRUE(serverPeer_.failures.empty());
  EXPECT_TRUE(clientPeer_.failures.empty());
  // Closed transports ignore everything.
  const size_t sent = clientPeer_.sent + serverPeer_.sent;
  for (const auto& d : garbage()) server_.receive(d.data(), d.size());
  server_.handleTimeout();
  server_.close();
  EXPECT_FALSE(server_.timeout());
  EXPECT_EQ(sent, clientPeer_.sent + serverPeer_.sent);
}

TEST_F(DtlsTransportTest, ServerCloseNotifiesTheClient) {
  exchangeFingerprints();
  startBoth();
  pump();
  server_.close();
  pump();
  EXPECT_EQ(1, clientPeer_.closed);
  EXPECT_EQ(State::Closed, client_.state());
}

TEST_F(DtlsTransportTest, CloseBeforeConnectingSendsNothing) {
  client_.start(DtlsRole::Client);
  clientPeer_.outbox.clear();
  client_.close();
  EXPECT_EQ(State::Closed, client_.state());
  EXPECT_TRUE(clientPeer_.outbox.empty());
  EXPECT_FALSE(client_.timeout());
}

TEST_F(DtlsTransportTest, AReleasedTransportStaysConnectedAndDropsWhatComesLater) {
  exchangeFingerprints();
  startBoth();
  // Not before the handshake is over: nothing is released while connecting.
  server_.release();
  EXPECT_FALSE(server_.released());
  pump();
  expectConnected(SrtpProfile::AeadAes128Gcm);
  server_.release();
  EXPECT_TRUE(server_.released());
  EXPECT_EQ(State::Connected, server_.state());
  EXPECT_EQ(SrtpProfile::AeadAes128Gcm, server_.profile());
  EXPECT_EQ(DtlsRole::Server, server_.role());
  server_.release();  // twice is harmless
  // The client's close_notify and anything else are dropped unread: no answer, no news.
  // What is left to see is its shape: an alert record of the encrypted epoch.
  client_.close();
  ASSERT_FALSE(clientPeer_.outbox.empty());
  const Datagram& goodbye = clientPeer_.outbox.front();
  EXPECT_TRUE(DtlsTransport::looksLikeAlert(goodbye.data(), goodbye.size()));
  Datagram epochZero = goodbye;
  epochZero[3] = epochZero[4] = 0;  // a plaintext alert: no peer that finished sends one
  EXPECT_FALSE(DtlsTransport::looksLikeAlert(epochZero.data(), epochZero.size()));
  Datagram truncated(goodbye.begin(), goodbye.end() - 1);  // shorter than its length says
  EXPECT_FALSE(DtlsTransport::looksLikeAlert(truncated.data(), truncated.size()));
  for (const auto& d : garbage())
    if (!d.empty() && d[0] != 21) EXPECT_FALSE(DtlsTransport::looksLikeAlert(d.data(), d.size()));
  const size_t sent = serverPeer_.sent;
  pump();
  for (const auto& d : garbage()) server_.receive(d.data(), d.size());
  EXPECT_EQ(State::Connected, server_.state());
  EXPECT_EQ(0, serverPeer_.closed);
  EXPECT_TRUE(serverPeer_.failures.empty());
  EXPECT_FALSE(server_.timeout());
  server_.handleTimeout();
  server_.close();  // nothing to send it with
  EXPECT_EQ(State::Closed, server_.state());
  EXPECT_EQ(sent, serverPeer_.sent);
}

TEST_F(DtlsTransportTest, TransportsOnSeveralThreads) {
  // The shared SSL_CTX and BIO method are built under concurrency without trouble.
  auto fresh = DtlsCertificate::generate();
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Peer a, b;
      DtlsTransport client(fresh, a);
      DtlsTransport server(fresh, b);
      client.setRemoteFingerprint("sha-256", fresh->fingerprintSha256());
      server.setRemoteFingerprint("sha-256", fresh->fingerprintSha256());
      server.start(DtlsRole::Server);
      client.start(DtlsRole::Client);
      for (int round = 0; round < 20 && !(a.outbox.empty() && b.outbox.empty()); ++round) {
        deliver(a.outbox, server);
        deliver(b.outbox, client);
      }
      ok[t] = client.state() == State::Connected && server.state() == State::Connected &&
              a.local == b.remote;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(std::vector<int>(4, 1), ok);
}

}  // namespace
}  // namespace parley::media::dtls
