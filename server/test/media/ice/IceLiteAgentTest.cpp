#include "media/ice/IceLiteAgent.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/Crypto.h"
#include "media/ByteOrder.h"
#include "media/net/SocketAddress.h"
#include "media/stun/StunMessage.h"

namespace parley::media::ice {
namespace {

using stun::StunMessage;

const std::string kLocalUfrag = "srvU";
const std::string kLocalPwd = "serverpasswordserverpass";
const std::string kRemoteUfrag = "brws";

// What a browser's connectivity check carries; each field can be left out or broken so
// the tests can show which part the agent insists on.
struct Check {
  std::optional<std::string> username = kLocalUfrag + ":" + kRemoteUfrag;
  std::optional<std::string> password = kLocalPwd;  // nullopt: no MESSAGE-INTEGRITY
  bool controlling = true;
  bool controlled = false;
  bool useCandidate = false;
  bool fingerprint = true;
  bool corruptFingerprint = false;
  uint8_t txidSeed = 1;
};

void appendAttribute(std::vector<uint8_t>& m, uint16_t type, const uint8_t* value, size_t len) {
  const size_t at = m.size();
  m.resize(at + 4 + ((len + 3) & ~size_t{3}), 0);
  ByteOrder::write16(m.data() + at, type);
  ByteOrder::write16(m.data() + at + 2, static_cast<uint16_t>(len));
  if (len) std::memcpy(m.data() + at + 4, value, len);
}

void setLength(std::vector<uint8_t>& m, size_t bodyEnd) {
  ByteOrder::write16(m.data() + 2, static_cast<uint16_t>(bodyEnd - StunMessage::kHeaderSize));
}

// Builds a Binding request by hand (RFC 8489 §14, RFC 8445 §7.1.1) so the test does not
// depend on the encoder under review elsewhere.
std::vector<uint8_t> buildCheck(const Check& c) {
  std::vector<uint8_t> m(StunMessage::kHeaderSize, 0);
  ByteOrder::write16(m.data(), StunMessage::kBindingRequest);
  ByteOrder::write32(m.data() + 4, StunMessage::kMagicCookie);
  for (size_t i = 0; i < StunMessage::kTransactionIdSize; ++i)
    m[8 + i] = static_cast<uint8_t>(c.txidSeed + i * 7);
  if (c.username)
    appendAttribute(m, StunMessage::kAttrUsername,
                    reinterpret_cast<const uint8_t*>(c.username->data()), c.username->size());
  uint8_t priority[4];
  ByteOrder::write32(priority, 0x6E0001FF);
  appendAttribute(m, StunMessage::kAttrPriority, priority, 4);
  uint8_t tieBreaker[8];
  ByteOrder::write64(tieBreaker, 0x1122334455667788ull);
  if (c.controlling) appendAttribute(m, StunMessage::kAttrIceControlling, tieBreaker, 8);
  if (c.controlled) appendAttribute(m, StunMessage::kAttrIceControlled, tieBreaker, 8);
  if (c.useCandidate) appendAttribute(m, StunMessage::kAttrUseCandidate, nullptr, 0);
  if (c.password) {
    // The length field covers MESSAGE-INTEGRITY itself while the HMAC is computed.
    setLength(m, m.size() + 24);
    const std::string mac = core::Crypto::hmacSha1(
        *c.password, std::string_view(reinterpret_cast<const char*>(m.data()), m.size()));
    appendAttribute(m, StunMessage::kAttrMessageIntegrity,
                    reinterpret_cast<const uint8_t*>(mac.data()), mac.size());
  }
  setLength(m, m.size());
  if (c.fingerprint) {
    setLength(m, m.size() + 8);
    uint32_t crc = StunMessage::crc32(m.data(), m.size()) ^ StunMessage::kFingerprintXor;
    if (c.corruptFingerprint) crc ^= 1;
    uint8_t value[4];
    ByteOrder::write32(value, crc);
    appendAttribute(m, StunMessage::kAttrFingerprint, value, 4);
  }
  return m;
}

net::SocketAddress address(const char* ip, uint16_t port) {
  auto a = net::SocketAddress::parse(ip, port);
  EXPECT_TRUE(a) << ip;
  return a.value_or(net::SocketAddress());
}

class IceLiteAgentTest : public ::testing::Test {
 protected:
  // Sends `c` from `from`; `response_` then holds what the agent wrote.
  IceLiteAgent::Outcome send(const Check& c, const net::SocketAddress& from, int64_t nowMs = 1000) {
    request_ = buildCheck(c);
    auto parsed = StunMessage::parse(request_.data(), request_.size());
    EXPECT_TRUE(parsed) << "test helper built an unparsable request";
    if (!parsed) return {};
    const auto o = agent_.handleRequest(*parsed, from, out_.data(), out_.size(), nowMs);
    responseSize_ = o.responseSize;
    return o;
  }
  std::optional<StunMessage> response() const {
    return StunMessage::parse(out_.data(), responseSize_);
  }
  std::optional<uint16_t> errorCode() const {
    auto r = response();
    if (!r || r->type() != StunMessage::kBindingError || !r->errorCode()) return std::nullopt;
    return r->errorCode()->code;
  }

  IceLiteAgent agent_{kLocalUfrag, kLocalPwd};
  std::vector<uint8_t> request_;
  std::array<uint8_t, 1500> out_{};
  size_t responseSize_ = 0;
  net::SocketAddress a_ = address("192.0.2.10", 50000);
  net::SocketAddress b_ = address("198.51.100.7", 61000);
};

TEST_F(IceLiteAgentTest, ValidCheckGetsSignedSuccessWithSendersAddress) {
  const auto o = send(Check{}, a_);
  EXPECT_TRUE(o.valid);
  ASSERT_GT(o.responseSize, 0u);
  const auto r = response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type(), StunMessage::kBindingSuccess);
  EXPECT_EQ(std::memcmp(r->transactionId(), request_.data() + 8, StunMessage::kTransactionIdSize),
            0);
  const auto mapped = r->xorMappedAddress();
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->family, 4);
  EXPECT_EQ(mapped->port, 50000);
  const std::array<uint8_t, 4> ip = {192, 0, 2, 10};
  EXPECT_EQ(std::memcmp(mapped->ip.data(), ip.data(), 4), 0);
  // Signed with our password (the browser checks it against the ice-pwd we announced).
  EXPECT_TRUE(r->hasMessageIntegrity());
  EXPECT_TRUE(r->checkIntegrity(kLocalPwd));
  EXPECT_FALSE(r->checkIntegrity("browserpassword"));
  EXPECT_TRUE(r->checkFingerprint());
  EXPECT_EQ(agent_.rejectedChecks(), 0u);
}

TEST_F(IceLiteAgentTest, Ipv6SenderIsMappedAsIpv6) {
  const auto from = address("2001:db8::42", 40000);
  ASSERT_TRUE(send(Check{}, from).valid);
  const auto r = response();
  ASSERT_TRUE(r);
  const auto mapped = r->xorMappedAddress();
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->family, 6);
  EXPECT_EQ(mapped->port, 40000);
  EXPECT_EQ(mapped->ip, from.toStun().ip);
}

TEST_F(IceLiteAgentTest, CheckWithoutFingerprintIsStillAccepted) {
  Check c;
  c.fingerprint = false;
  EXPECT_TRUE(send(c, a_).valid);
}

TEST_F(IceLiteAgentTest, FirstValidCheckSelectsItsAddress) {
  EXPECT_FALSE(agent_.hasSelected());
  const auto first = send(Check{}, a_);
  EXPECT_TRUE(first.selectedChanged);
  ASSERT_TRUE(agent_.hasSelected());
  EXPECT_EQ(agent_.selected(), a_);
  // Another un-nominated pair is answered but does not take the media.
  const auto second = send(Check{}, b_);
  EXPECT_TRUE(second.valid);
  EXPECT_FALSE(second.selectedChanged);
  EXPECT_EQ(agent_.selected(), a_);
}

TEST_F(IceLiteAgentTest, UseCandidateFromAnotherAddressMovesTheSelection) {
  ASSERT_TRUE(send(Check{}, a_).selectedChanged);
  Check nominate;
  nominate.useCandidate = true;
  const auto moved = send(nominate, b_);
  EXPECT_TRUE(moved.valid);
  EXPECT_TRUE(moved.selectedChanged);
  EXPECT_EQ(agent_.selected(), b_);
  // Re-nominating the selected pair is not a change.
  EXPECT_FALSE(send(nominate, b_).selectedChanged);
  // Once nominated, a plain check elsewhere does not steal the media.
  EXPECT_FALSE(send(Check{}, a_).selectedChanged);
  EXPECT_EQ(agent_.selected(), b_);
}

TEST_F(IceLiteAgentTest, UseCandidateOnFirstCheckSelects) {
  Check nominate;
  nominate.useCandidate = true;
  const auto o = send(nominate, b_);
  EXPECT_TRUE(o.selectedChanged);
  EXPECT_EQ(agent_.selected(), b_);
}

TEST_F(IceLiteAgentTest, WrongLocalUfragIsUnauthorized) {
  Check c;
  c.username = "nope:" + kRemoteUfrag;
  const auto o = send(c, a_);
  EXPECT_FALSE(o.valid);
  EXPECT_FALSE(o.selectedChanged);
  EXPECT_FALSE(agent_.hasSelected());
  EXPECT_EQ(errorCode(), 401);
  EXPECT_EQ(agent_.rejectedChecks(), 1u);
  // An unauthenticated peer gets no MAC made with our password.
  const auto r = response();
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->hasMessageIntegrity());
  EXPECT_TRUE(r->checkFingerprint());
}

TEST_F(IceLiteAgentTest, UsernameWithoutColonIsUnauthorized) {
  Check c;
  c.username = kLocalUfrag;
  EXPECT_FALSE(send(c, a_).valid);
  EXPECT_EQ(errorCode(), 401);
}

TEST_F(IceLiteAgentTest, WrongPasswordIsUnauthorized) {
  Check c;
  c.password = "notthepasswordnotthepass";
  const auto o = send(c, a_);
  EXPECT_FALSE(o.valid);
  EXPECT_FALSE(agent_.hasSelected());
  EXPECT_EQ(errorCode(), 401);
}

TEST_F(IceLiteAgentTest, MissingIntegrityIsBadRequest) {
  Check c;
  c.password.reset();
  const auto o = send(c, a_);
  EXPECT_FALSE(o.valid);
  EXPECT_FALSE(agent_.hasSelected());
  EXPECT_EQ(errorCode(), 400);
}

TEST_F(IceLiteAgentTest, MissingUsernameIsBadRequest) {
  Check c;
  c.username.reset();
  const auto o = send(c, a_);
  EXPECT_FALSE(o.valid);
  EXPECT_EQ(errorCode(), 400);
}

TEST_F(IceLiteAgentTest, BrokenFingerprintIsRejected) {
  Check c;
  c.corruptFingerprint = true;
  const auto o = send(c, a_);
  EXPECT_FALSE(o.valid);
  EXPECT_FALSE(o.selectedChanged);
  EXPECT_FALSE(agent_.hasSelected());
  EXPECT_EQ(agent_.lastConsentMs(), 0);
  EXPECT_EQ(agent_.rejectedChecks(), 1u);
}

TEST_F(IceLiteAgentTest, RemoteUfragIsCheckedOnceKnown) {
  Check other;
  other.username = kLocalUfrag + ":someoneelse";
  // Before the remote description arrives any remote half is fine.
  EXPECT_TRUE(send(other, a_).valid);
  agent_.setRemoteUfrag(kRemoteUfrag);
  const auto o = send(other, b_);
  EXPECT_FALSE(o.valid);
  EXPECT_EQ(errorCode(), 401);
  EXPECT_EQ(agent_.selected(), a_);
  EXPECT_TRUE(send(Check{}, b_).valid);
}

TEST_F(IceLiteAgentTest, ControlledPeerGetsRoleConflict) {
  Check c;
  c.controlling = false;
  c.controlled = true;
  const auto o = send(c, a_);
  EXPECT_FALSE(o.valid);
  EXPECT_FALSE(agent_.hasSelected());
  EXPECT_EQ(errorCode(), 487);
  // The peer was authenticated, so the error is signed.
  const auto r = response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->checkIntegrity(kLocalPwd));
  EXPECT_EQ(agent_.lastConsentMs(), 0);
}

TEST_F(IceLiteAgentTest, NonRequestIsIgnored) {
  auto bytes = buildCheck(Check{});
  ByteOrder::write16(bytes.data(), StunMessage::kBindingIndication);
  auto parsed = StunMessage::parse(bytes.data(), bytes.size());
  ASSERT_TRUE(parsed);
  const auto o = agent_.handleRequest(*parsed, a_, out_.data(), out_.size(), 1000);
  EXPECT_EQ(o.responseSize, 0u);
  EXPECT_FALSE(o.valid);
  EXPECT_FALSE(agent_.hasSelected());
}

TEST_F(IceLiteAgentTest, ConsentExpiresThirtySecondsAfterLastValidCheck) {
  EXPECT_FALSE(agent_.consentExpired(1000000));  // no consent yet: nothing to expire
  ASSERT_TRUE(send(Check{}, a_, 5000).valid);
  EXPECT_EQ(agent_.lastConsentMs(), 5000);
  EXPECT_FALSE(agent_.consentExpired(5000 + 29999));
  EXPECT_FALSE(agent_.consentExpired(5000 + IceLiteAgent::kConsentTimeoutMs));
  EXPECT_TRUE(agent_.consentExpired(5000 + IceLiteAgent::kConsentTimeoutMs + 1));
}

TEST_F(IceLiteAgentTest, OnlyValidChecksRefreshConsent) {
  ASSERT_TRUE(send(Check{}, a_, 5000).valid);
  Check bad;
  bad.password = "notthepasswordnotthepass";
  EXPECT_FALSE(send(bad, a_, 20000).valid);
  EXPECT_TRUE(agent_.consentExpired(36000));
  ASSERT_TRUE(send(Check{}, a_, 30000).valid);
  EXPECT_FALSE(agent_.consentExpired(36000));
  EXPECT_TRUE(agent_.consentExpired(60001));
}

TEST_F(IceLiteAgentTest, RestartChangesCredentials) {
  ASSERT_TRUE(send(Check{}, a_).valid);
  agent_.restart("newU", "newpasswordnewpassword00", "newR");
  EXPECT_EQ(agent_.localUfrag(), "newU");
  EXPECT_EQ(agent_.localPassword(), "newpasswordnewpassword00");
  // The old credentials no longer authenticate.
  const auto old = send(Check{}, b_);
  EXPECT_FALSE(old.valid);
  EXPECT_EQ(errorCode(), 401);
  // A new-ufrag check signed with the old password fails too.
  Check mixed;
  mixed.username = "newU:newR";
  EXPECT_FALSE(send(mixed, b_).valid);
  // The old remote ufrag is gone as well.
  Check oldRemote;
  oldRemote.username = "newU:" + kRemoteUfrag;
  oldRemote.password = "newpasswordnewpassword00";
  EXPECT_FALSE(send(oldRemote, b_).valid);

  Check fresh;
  fresh.username = "newU:newR";
  fresh.password = "newpasswordnewpassword00";
  fresh.useCandidate = true;
  const auto o = send(fresh, b_);
  EXPECT_TRUE(o.valid);
  EXPECT_TRUE(o.selectedChanged);
  const auto r = response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->checkIntegrity("newpasswordnewpassword00"));
  EXPECT_FALSE(r->checkIntegrity(kLocalPwd));
}

TEST_F(IceLiteAgentTest, RestartKeepsTheSelectedAddressUntilANewOne) {
  ASSERT_TRUE(send(Check{}, a_).valid);
  agent_.restart("newU", "newpasswordnewpassword00", "newR");
  EXPECT_TRUE(agent_.hasSelected());
  EXPECT_EQ(agent_.selected(), a_);
}

TEST_F(IceLiteAgentTest, TooSmallBufferWritesNothing) {
  request_ = buildCheck(Check{});
  auto parsed = StunMessage::parse(request_.data(), request_.size());
  ASSERT_TRUE(parsed);
  const auto o = agent_.handleRequest(*parsed, a_, out_.data(), 10, 1000);
  EXPECT_EQ(o.responseSize, 0u);
}

}  // namespace
}  // namespace parley::media::ice
