#include "media/SdpNegotiator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "media/sdp/Codec.h"
#include "media/sdp/SessionDescription.h"

namespace parley::media {
namespace {

using sdp::Direction;
using sdp::MediaKind;
using sdp::MediaSection;
using sdp::SessionDescription;
using sdp::Setup;

const char* const kFingerprint =
    "3B:8F:21:6C:D0:77:9A:E4:5C:12:FF:08:B3:6E:41:9D:2A:C7:55:E0:1B:94:6F:3D:88:0C:A2:7E:D9:14:5B:"
    "C6";

// Chrome's unified-plan publisher offer (audio + VP8/VP9/H264/AV1 video with RTX), as in
// server/fuzz/corpus/sdp/chrome_publisher_offer.sdp.
const std::string kChromeOffer = std::string() +
                                 "v=0\r\n"
                                 "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
                                 "s=-\r\n"
                                 "t=0 0\r\n"
                                 "a=group:BUNDLE 0 1\r\n"
                                 "a=extmap-allow-mixed\r\n"
                                 "a=msid-semantic: WMS 6a3c1b2e-stream\r\n"
                                 "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
                                 "c=IN IP4 0.0.0.0\r\n"
                                 "a=rtcp:9 IN IP4 0.0.0.0\r\n"
                                 "a=ice-ufrag:Xk3p\r\n"
                                 "a=ice-pwd:q0bY7fJ3kLmN9pQrS2tUvW4x\r\n"
                                 "a=ice-options:trickle\r\n"
                                 "a=fingerprint:sha-256 " +
                                 kFingerprint +
                                 "\r\n"
                                 "a=setup:actpass\r\n"
                                 "a=mid:0\r\n"
                                 "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
                                 "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
                                 "abs-send-time\r\n"
                                 "a=extmap:3 http://www.ietf.org/id/"
                                 "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
                                 "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                                 "a=sendrecv\r\n"
                                 "a=msid:6a3c1b2e-stream 0f1e2d3c-audio\r\n"
                                 "a=rtcp-mux\r\n"
                                 "a=rtpmap:111 opus/48000/2\r\n"
                                 "a=rtcp-fb:111 transport-cc\r\n"
                                 "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                                 "a=rtpmap:63 red/48000/2\r\n"
                                 "a=fmtp:63 111/111\r\n"
                                 "a=rtpmap:9 G722/8000\r\n"
                                 "a=rtpmap:0 PCMU/8000\r\n"
                                 "a=rtpmap:8 PCMA/8000\r\n"
                                 "a=rtpmap:13 CN/8000\r\n"
                                 "a=rtpmap:110 telephone-event/48000\r\n"
                                 "a=rtpmap:126 telephone-event/8000\r\n"
                                 "a=ssrc:1001234567 cname:Yc9w2kQzvB3hT1aL\r\n"
                                 "a=ssrc:1001234567 msid:6a3c1b2e-stream 0f1e2d3c-audio\r\n"
                                 "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 45 46\r\n"
                                 "c=IN IP4 0.0.0.0\r\n"
                                 "a=rtcp:9 IN IP4 0.0.0.0\r\n"
                                 "a=ice-ufrag:Xk3p\r\n"
                                 "a=ice-pwd:q0bY7fJ3kLmN9pQrS2tUvW4x\r\n"
                                 "a=ice-options:trickle\r\n"
                                 "a=fingerprint:sha-256 " +
                                 kFingerprint +
                                 "\r\n"
                                 "a=setup:actpass\r\n"
                                 "a=mid:1\r\n"
                                 "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
                                 "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/"
                                 "abs-send-time\r\n"
                                 "a=extmap:13 urn:3gpp:video-orientation\r\n"
                                 "a=extmap:3 http://www.ietf.org/id/"
                                 "draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
                                 "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                                 "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
                                 "a=extmap:11 "
                                 "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
                                 "a=sendrecv\r\n"
                                 "a=msid:6a3c1b2e-stream 7b8c9d0e-video\r\n"
                                 "a=rtcp-mux\r\n"
                                 "a=rtcp-rsize\r\n"
                                 "a=rtpmap:96 VP8/90000\r\n"
                                 "a=rtcp-fb:96 goog-remb\r\n"
                                 "a=rtcp-fb:96 transport-cc\r\n"
                                 "a=rtcp-fb:96 ccm fir\r\n"
                                 "a=rtcp-fb:96 nack\r\n"
                                 "a=rtcp-fb:96 nack pli\r\n"
                                 "a=rtpmap:97 rtx/90000\r\n"
                                 "a=fmtp:97 apt=96\r\n"
                                 "a=rtpmap:98 VP9/90000\r\n"
                                 "a=rtcp-fb:98 transport-cc\r\n"
                                 "a=rtcp-fb:98 nack pli\r\n"
                                 "a=fmtp:98 profile-id=0\r\n"
                                 "a=rtpmap:99 rtx/90000\r\n"
                                 "a=fmtp:99 apt=98\r\n"
                                 "a=rtpmap:102 H264/90000\r\n"
                                 "a=rtcp-fb:102 transport-cc\r\n"
                                 "a=rtcp-fb:102 nack pli\r\n"
                                 "a=fmtp:102 "
                                 "level-asymmetry-allowed=1;packetization-mode=1;profile-level-"
                                 "id=42e01f\r\n"
                                 "a=rtpmap:103 rtx/90000\r\n"
                                 "a=fmtp:103 apt=102\r\n"
                                 "a=rtpmap:45 AV1/90000\r\n"
                                 "a=rtcp-fb:45 transport-cc\r\n"
                                 "a=rtcp-fb:45 nack pli\r\n"
                                 "a=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
                                 "a=rtpmap:46 rtx/90000\r\n"
                                 "a=fmtp:46 apt=45\r\n"
                                 "a=ssrc-group:FID 2233445566 3344556677\r\n"
                                 "a=ssrc:2233445566 cname:Yc9w2kQzvB3hT1aL\r\n"
                                 "a=ssrc:2233445566 msid:6a3c1b2e-stream 7b8c9d0e-video\r\n"
                                 "a=ssrc:3344556677 cname:Yc9w2kQzvB3hT1aL\r\n"
                                 "a=ssrc:3344556677 msid:6a3c1b2e-stream 7b8c9d0e-video\r\n";

// The ICE/DTLS lines the corpus simulcast offers leave out (the negotiator requires them).
const std::string kTransportLines = std::string() +
                                    "a=ice-ufrag:simU\n"
                                    "a=ice-pwd:simulcastpasswordsimulcast\n"
                                    "a=fingerprint:sha-256 " +
                                    kFingerprint +
                                    "\n"
                                    "a=setup:actpass\n";

// server/fuzz/corpus/sdp/ssrc_simulcast_offer.sdp plus transport lines.
const std::string kSsrcSimulcastOffer =
    "v=0\n"
    "o=- 1 2 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n"
    "a=group:BUNDLE 0\n"
    "a=msid-semantic: WMS\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\n"
    "c=IN IP4 0.0.0.0\n" +
    kTransportLines +
    "a=mid:0\n"
    "a=sendrecv\n"
    "a=rtcp-mux\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtpmap:97 rtx/90000\n"
    "a=fmtp:97 apt=96\n"
    "a=ssrc-group:SIM 10000 10001 10002\n"
    "a=ssrc-group:FID 10000 20000\n"
    "a=ssrc-group:FID 10001 20001\n"
    "a=ssrc-group:FID 10002 20002\n"
    "a=ssrc:10000 cname:localCname\n"
    "a=ssrc:10000 msid:s1 v1\n"
    "a=ssrc:10001 cname:localCname\n"
    "a=ssrc:10001 msid:s1 v1\n"
    "a=ssrc:10002 cname:localCname\n"
    "a=ssrc:10002 msid:s1 v1\n"
    "a=ssrc:20000 cname:localCname\n"
    "a=ssrc:20001 cname:localCname\n"
    "a=ssrc:20002 cname:localCname\n";

// server/fuzz/corpus/sdp/rid_simulcast_offer.sdp plus transport lines.
const std::string kRidSimulcastOffer =
    "v=0\n"
    "o=- 1 2 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\n" +
    kTransportLines +
    "a=mid:1\n"
    "a=sendrecv\n"
    "a=rtpmap:96 VP8/90000\n"
    "a=rtcp-fb:* nack\n"
    "a=extmap:10/sendonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\n"
    "a=rid:f send\n"
    "a=rid:h send max-width=640;max-height=360\n"
    "a=rid:q send\n"
    "a=simulcast:send f;h;q\n"
    "a=candidate:1465505847 1 udp 2122194687 192.0.2.2 39000 typ host generation 0\n"
    "a=end-of-candidates\n";

SdpNegotiator::LocalEndpoint local() {
  SdpNegotiator::LocalEndpoint l;
  l.ip = "203.0.113.5";
  l.udpPort = 40000;
  l.iceUfrag = "sfuU";
  l.icePassword = "sfupasswordsfupasswordxx";
  l.fingerprint = "AA:BB:CC:DD";
  return l;
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::vector<std::string> lines(const std::string& sdp) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < sdp.size()) {
    size_t end = sdp.find('\n', pos);
    if (end == std::string::npos) end = sdp.size();
    std::string l = sdp.substr(pos, end - pos);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(l);
    pos = end + 1;
  }
  return out;
}

bool hasLine(const std::string& sdp, const std::string& line) {
  const auto all = lines(sdp);
  return std::find(all.begin(), all.end(), line) != all.end();
}

std::optional<uint16_t> extId(const std::vector<sdp::Extmap>& extmaps, const std::string& uri) {
  for (const auto& e : extmaps)
    if (e.uri == uri) return e.id;
  return std::nullopt;
}

std::vector<std::string> codecNames(const TrackDescription& t) {
  std::vector<std::string> names;
  for (const auto& c : t.codecs) names.push_back(c.name);
  return names;
}

const std::string kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
const std::string kAbsSendTime = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
const std::string kTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
const std::string kAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
const std::string kVideoOrientation = "urn:3gpp:video-orientation";
const std::string kRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
const std::string kRepairedRid = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

class SdpNegotiatorChromeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = SdpNegotiator::answerPublisher(kChromeOffer, local());
    ASSERT_TRUE(r.ok()) << r.error().message;
    answer_ = r.value();
    auto parsed = SessionDescription::parse(answer_.sdp);
    ASSERT_TRUE(parsed) << answer_.sdp;
    sd_ = *parsed;
    ASSERT_EQ(sd_.media.size(), 2u);
    ASSERT_EQ(answer_.tracks.size(), 2u);
  }
  const TrackDescription& audio() const { return answer_.tracks[0]; }
  const TrackDescription& video() const { return answer_.tracks[1]; }

  SdpNegotiator::PublisherAnswer answer_;
  SessionDescription sd_;
};

TEST_F(SdpNegotiatorChromeTest, AnswerIsRecvonlyWithSameMidsAndBundle) {
  EXPECT_EQ(sd_.media[0].kind, MediaKind::Audio);
  EXPECT_EQ(sd_.media[1].kind, MediaKind::Video);
  EXPECT_EQ(sd_.media[0].mid, "0");
  EXPECT_EQ(sd_.media[1].mid, "1");
  for (const MediaSection& m : sd_.media) {
    EXPECT_NE(m.port, 0);
    EXPECT_EQ(m.direction, Direction::RecvOnly);
    EXPECT_TRUE(m.rtcpMux);
  }
  ASSERT_TRUE(sd_.bundle);
  EXPECT_EQ(*sd_.bundle, (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(sd_.iceLite);
}

TEST_F(SdpNegotiatorChromeTest, AnswerCarriesOurTransport) {
  for (const MediaSection& m : sd_.media) {
    EXPECT_EQ(m.iceUfrag, "sfuU");
    EXPECT_EQ(m.icePwd, "sfupasswordsfupasswordxx");
    ASSERT_TRUE(m.fingerprint);
    EXPECT_EQ(m.fingerprint->hash, "sha-256");
    EXPECT_EQ(m.fingerprint->hex, "AA:BB:CC:DD");
    // The browser offered actpass; we take passive so it connects (DTLS client).
    EXPECT_EQ(m.setup, Setup::Passive);
    ASSERT_EQ(m.candidates.size(), 1u);
    EXPECT_NE(m.candidates[0].find(" udp "), std::string::npos);
    EXPECT_NE(m.candidates[0].find(" 203.0.113.5 40000 typ host"), std::string::npos);
  }
  EXPECT_TRUE(hasLine(answer_.sdp, "a=end-of-candidates"));
  // None of the browser's credentials leak into the answer.
  EXPECT_EQ(answer_.sdp.find("Xk3p"), std::string::npos);
  EXPECT_EQ(answer_.sdp.find("3B:8F:21"), std::string::npos);
}

TEST_F(SdpNegotiatorChromeTest, RemoteTransportIsTheBrowsers) {
  EXPECT_EQ(answer_.remote.iceUfrag, "Xk3p");
  EXPECT_EQ(answer_.remote.icePassword, "q0bY7fJ3kLmN9pQrS2tUvW4x");
  EXPECT_EQ(answer_.remote.fingerprintHash, "sha-256");
  EXPECT_EQ(answer_.remote.fingerprint, kFingerprint);
  EXPECT_EQ(answer_.remote.dtlsRole, dtls::DtlsRole::Server);
}

TEST_F(SdpNegotiatorChromeTest, AudioTrackIsOpusOnly) {
  EXPECT_EQ(audio().kind, MediaKind::Audio);
  EXPECT_EQ(audio().mid, "0");
  ASSERT_EQ(audio().codecs.size(), 1u);
  EXPECT_EQ(audio().codecs[0].name, "opus");
  EXPECT_EQ(audio().codecs[0].payloadType, 111);
  EXPECT_EQ(audio().codecs[0].clockRate, 48000u);
  EXPECT_EQ(audio().codecs[0].channels, 2u);
  EXPECT_EQ(audio().codecs[0].params.at("useinbandfec"), "1");
  EXPECT_TRUE(audio().rtxPayloads.empty());
  EXPECT_TRUE(audio().transportCc);
  EXPECT_FALSE(audio().nack);
  EXPECT_EQ(audio().clockRate(), 48000u);
  EXPECT_EQ(sd_.media[0].payloadTypes, (std::vector<uint8_t>{111}));
  ASSERT_EQ(audio().layers.size(), 1u);
  EXPECT_EQ(audio().layers[0].ssrc, 1001234567u);
  EXPECT_EQ(audio().layers[0].rtxSsrc, 0u);
  EXPECT_EQ(audio().cname, "Yc9w2kQzvB3hT1aL");
}

TEST_F(SdpNegotiatorChromeTest, VideoKeepsOfferedCodecOrderWithVp8First) {
  EXPECT_EQ(video().kind, MediaKind::Video);
  EXPECT_EQ(video().mid, "1");
  EXPECT_EQ(codecNames(video()), (std::vector<std::string>{"VP8", "VP9", "H264", "AV1"}));
  EXPECT_EQ(video().codecs[0].payloadType, 96);
  EXPECT_EQ(video().codecs[2].payloadType, 102);
  EXPECT_EQ(video().codecs[2].params.at("packetization-mode"), "1");
  // Feedback flags follow the first (preferred) codec, VP8, which offered them all.
  EXPECT_TRUE(video().nack);
  EXPECT_TRUE(video().pli);
  EXPECT_TRUE(video().fir);
  EXPECT_TRUE(video().transportCc);
  EXPECT_TRUE(video().remb);
  EXPECT_EQ(sd_.media[1].payloadTypes[0], 96);
}

TEST_F(SdpNegotiatorChromeTest, RtxPayloadsMapToTheirApt) {
  const std::map<uint8_t, uint8_t> expected = {{97, 96}, {99, 98}, {103, 102}, {46, 45}};
  EXPECT_EQ(video().rtxPayloads, expected);
  for (const auto& c : video().codecs) EXPECT_FALSE(sdp::sameName(c.name, "rtx"));
  // The answer keeps the RTX formats so the browser may send them.
  const auto& pts = sd_.media[1].payloadTypes;
  for (uint8_t rtx : {97, 99, 103, 46})
    EXPECT_NE(std::find(pts.begin(), pts.end(), rtx), pts.end()) << int(rtx);
}

TEST_F(SdpNegotiatorChromeTest, VideoLayerComesFromSsrcAndFidGroup) {
  ASSERT_EQ(video().layers.size(), 1u);
  EXPECT_EQ(video().layers[0].ssrc, 2233445566u);
  EXPECT_EQ(video().layers[0].rtxSsrc, 3344556677u);
  EXPECT_TRUE(video().layers[0].rid.empty());
  EXPECT_EQ(video().cname, "Yc9w2kQzvB3hT1aL");
}

TEST_F(SdpNegotiatorChromeTest, ExtensionIdsMatchTheOffer) {
  EXPECT_EQ(audio().ext.audioLevel, 1);
  EXPECT_EQ(audio().ext.absSendTime, 2);
  EXPECT_EQ(audio().ext.transportCc, 3);
  EXPECT_EQ(audio().ext.mid, 4);
  EXPECT_EQ(video().ext.absSendTime, 2);
  EXPECT_EQ(video().ext.transportCc, 3);
  EXPECT_EQ(video().ext.mid, 4);
  EXPECT_EQ(video().ext.videoOrientation, 13);
  EXPECT_EQ(video().ext.rid, 10);
  EXPECT_EQ(video().ext.repairedRid, 11);
  // toffset is not one the SFU handles: neither answered nor recorded.
  EXPECT_FALSE(extId(video().extmaps, "urn:ietf:params:rtp-hdrext:toffset"));
  EXPECT_FALSE(extId(sd_.media[1].extmaps, "urn:ietf:params:rtp-hdrext:toffset"));
  EXPECT_EQ(extId(sd_.media[1].extmaps, kTransportCc), 3);
  EXPECT_EQ(extId(sd_.media[0].extmaps, kAudioLevel), 1);
}

TEST(SdpNegotiatorTest, OfferWithPassiveSetupMakesUsTheDtlsClient) {
  const std::string offer = replaceAll(kChromeOffer, "a=setup:actpass", "a=setup:passive");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->remote.dtlsRole, dtls::DtlsRole::Client);
  auto sd = SessionDescription::parse(r->sdp);
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->media[0].setup, Setup::Active);
}

TEST(SdpNegotiatorTest, TcpPortAddsPassiveTcpCandidate) {
  auto l = local();
  l.tcpPort = 443;
  const auto c = SdpNegotiator::candidates(l);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_NE(c[0].find(" udp "), std::string::npos);
  EXPECT_NE(c[0].find("203.0.113.5 40000"), std::string::npos);
  EXPECT_NE(c[1].find(" tcp "), std::string::npos);
  EXPECT_NE(c[1].find("203.0.113.5 443"), std::string::npos);
  EXPECT_NE(c[1].find("tcptype passive"), std::string::npos);
  EXPECT_EQ(SdpNegotiator::candidates(local()).size(), 1u);
}

TEST(SdpNegotiatorTest, SsrcSimulcastOfferGivesLayersWithRtx) {
  auto r = SdpNegotiator::answerPublisher(kSsrcSimulcastOffer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tracks.size(), 1u);
  const auto& layers = r->tracks[0].layers;
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].ssrc, 10000u);
  EXPECT_EQ(layers[0].rtxSsrc, 20000u);
  EXPECT_EQ(layers[1].ssrc, 10001u);
  EXPECT_EQ(layers[1].rtxSsrc, 20001u);
  EXPECT_EQ(layers[2].ssrc, 10002u);
  EXPECT_EQ(layers[2].rtxSsrc, 20002u);
  EXPECT_EQ(r->tracks[0].cname, "localCname");
  EXPECT_EQ(r->tracks[0].rtxPayloads, (std::map<uint8_t, uint8_t>{{97, 96}}));
}

TEST(SdpNegotiatorTest, RidSimulcastOfferGivesLayersLowestFirstWithoutSsrcs) {
  auto r = SdpNegotiator::answerPublisher(kRidSimulcastOffer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tracks.size(), 1u);
  const auto& t = r->tracks[0];
  ASSERT_EQ(t.layers.size(), 3u);
  EXPECT_EQ(t.layers[0].rid, "q");
  EXPECT_EQ(t.layers[1].rid, "h");
  EXPECT_EQ(t.layers[2].rid, "f");
  for (const auto& l : t.layers) {
    EXPECT_EQ(l.ssrc, 0u);
    EXPECT_EQ(l.rtxSsrc, 0u);
  }
  EXPECT_EQ(t.ext.rid, 10);
  EXPECT_EQ(t.mid, "1");
  // The rtcp-fb:* line counts as the codec's feedback.
  EXPECT_TRUE(t.nack);
  EXPECT_FALSE(t.pli);
  EXPECT_EQ(t.cname, "parley");  // nothing signalled
}

TEST(SdpNegotiatorTest, RecvRidsAreNotLayers) {
  const std::string offer = replaceAll(kRidSimulcastOffer, "a=rid:h send", "a=rid:h recv");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tracks[0].layers.size(), 2u);
  EXPECT_EQ(r->tracks[0].layers[0].rid, "q");
  EXPECT_EQ(r->tracks[0].layers[1].rid, "f");
}

TEST(SdpNegotiatorTest, SsrcsWithoutSimGroupGiveOneLayer) {
  // Two unrelated media SSRCs and no SIM group: only the first is the track's.
  std::string offer = replaceAll(kSsrcSimulcastOffer, "a=ssrc-group:SIM 10000 10001 10002\n", "");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tracks[0].layers.size(), 1u);
  EXPECT_EQ(r->tracks[0].layers[0].ssrc, 10000u);
  EXPECT_EQ(r->tracks[0].layers[0].rtxSsrc, 20000u);
}

TEST(SdpNegotiatorTest, InvalidSdpIsMalformed) {
  auto r = SdpNegotiator::answerPublisher("this is not sdp", local());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::Error::Code::Malformed);
  EXPECT_FALSE(r.error().message.empty());
  EXPECT_FALSE(SdpNegotiator::answerPublisher("", local()).ok());
}

TEST(SdpNegotiatorTest, OfferWithoutFingerprintIsRejected) {
  std::string offer =
      replaceAll(kChromeOffer, std::string("a=fingerprint:sha-256 ") + kFingerprint + "\r\n", "");
  ASSERT_EQ(offer.find("a=fingerprint"), std::string::npos);
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::Error::Code::Invalid);
  EXPECT_NE(r.error().message.find("fingerprint"), std::string::npos);
}

TEST(SdpNegotiatorTest, OfferWithoutIceCredentialsIsRejected) {
  std::string offer = replaceAll(kChromeOffer, "a=ice-pwd:q0bY7fJ3kLmN9pQrS2tUvW4x\r\n", "");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::Error::Code::Invalid);
}

TEST(SdpNegotiatorTest, OfferWithOnlyUnsupportedCodecsIsRejected) {
  const std::string offer = std::string() +
                            "v=0\n"
                            "o=- 1 2 IN IP4 127.0.0.1\n"
                            "s=-\n"
                            "t=0 0\n"
                            "m=audio 9 UDP/TLS/RTP/SAVPF 0 8\n"
                            "c=IN IP4 0.0.0.0\n" +
                            kTransportLines +
                            "a=mid:0\n"
                            "a=sendonly\n"
                            "a=rtpmap:0 PCMU/8000\n"
                            "a=rtpmap:8 PCMA/8000\n"
                            "m=video 9 UDP/TLS/RTP/SAVPF 100 101\n"
                            "c=IN IP4 0.0.0.0\n" +
                            kTransportLines +
                            "a=mid:1\n"
                            "a=sendonly\n"
                            "a=rtpmap:100 H265/90000\n"
                            "a=rtpmap:101 rtx/90000\n"
                            "a=fmtp:101 apt=100\n";
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::Error::Code::Invalid);
}

TEST(SdpNegotiatorTest, UnsupportedSectionIsRejectedButOthersKept) {
  // H.264 packetization-mode 0 is not one the SFU forwards; audio stays.
  std::string offer =
      replaceAll(kChromeOffer, "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 45 46",
                 "m=video 9 UDP/TLS/RTP/SAVPF 102 103");
  offer = replaceAll(offer, "packetization-mode=1", "packetization-mode=0");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->tracks.size(), 1u);
  EXPECT_EQ(r->tracks[0].kind, MediaKind::Audio);
  auto sd = SessionDescription::parse(r->sdp);
  ASSERT_TRUE(sd);
  ASSERT_EQ(sd->media.size(), 2u);
  EXPECT_EQ(sd->media[1].port, 0);
  EXPECT_EQ(sd->media[1].mid, "1");
  ASSERT_TRUE(sd->bundle);
  EXPECT_EQ(*sd->bundle, (std::vector<std::string>{"0"}));
}

// Regression: RFC 8839 §5.4 and RFC 8122 §5 allow a=ice-ufrag, a=ice-pwd and a=fingerprint at
// session level (Firefox puts a=fingerprint there). The parser keeps session-level ones in
// SessionDescription::otherAttributes and transportOf() only looks at media sections, so
// such an offer is refused with "missing a=fingerprint".
TEST(SdpNegotiatorTest, SessionLevelFingerprintIsUsed) {
  std::string offer =
      replaceAll(kChromeOffer, std::string("a=fingerprint:sha-256 ") + kFingerprint + "\r\n", "");
  offer = replaceAll(offer, "t=0 0\r\n",
                     std::string("t=0 0\r\na=fingerprint:sha-256 ") + kFingerprint + "\r\n");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->remote.fingerprint, kFingerprint);
}

// Regression: an m-line offered with port 0 (a stopped transceiver, RFC 8843 §7.3) must be
// rejected with port 0 in the answer (RFC 3264 §6); AnswerBuilder::answerSection never
// looks at the offered port, so answerPublisher answers it with port 9 and makes a track.
TEST(SdpNegotiatorTest, SectionOfferedWithPortZeroStaysRejected) {
  const std::string offer =
      replaceAll(kChromeOffer, "m=video 9 UDP/TLS/RTP/SAVPF", "m=video 0 UDP/TLS/RTP/SAVPF");
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->tracks.size(), 1u);
  auto sd = SessionDescription::parse(r->sdp);
  ASSERT_TRUE(sd);
  EXPECT_EQ(sd->media[1].port, 0);
}

// Regression: layersOf() takes every SSRC of a SIM group (and every send rid), and the Producer
// allocates a 1024-slot × 1500-byte RetransmissionBuffer (~1.5 MB) per layer, so ten bytes
// of SDP cost 1.5 MB of worker memory; a 64 KiB offer can ask for thousands of layers.
TEST(SdpNegotiatorTest, SimulcastLayerCountIsBounded) {
  std::string sim = "a=ssrc-group:SIM";
  for (int i = 0; i < 100; ++i) sim += " " + std::to_string(30000 + i);
  const std::string offer =
      replaceAll(kSsrcSimulcastOffer, "a=ssrc-group:SIM 10000 10001 10002", sim);
  auto r = SdpNegotiator::answerPublisher(offer, local());
  // Refusing such an offer would do as well.
  if (r.ok()) {
    EXPECT_LE(r->tracks[0].layers.size(), 3u);
  }
}

// --- offers towards subscribers ---------------------------------------------------------

class SdpNegotiatorSubscriberTest : public SdpNegotiatorChromeTest {
 protected:
  std::vector<SdpNegotiator::OutgoingTrack> outgoing() const {
    return {{&audio(), 5550001, "aud-track"}, {&video(), 5550002, "vid-track"}};
  }
};

TEST_F(SdpNegotiatorSubscriberTest, OfferParsesBackWithOneSendonlyStream) {
  const std::string text = SdpNegotiator::offerSubscriber(outgoing(), "pub-stream", local(), 7);
  auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd) << text;
  ASSERT_TRUE(sd->origin);
  EXPECT_EQ(sd->origin->sessionVersion, "7");
  EXPECT_TRUE(sd->iceLite);
  ASSERT_TRUE(sd->bundle);
  EXPECT_EQ(*sd->bundle, (std::vector<std::string>{"0", "1"}));
  ASSERT_TRUE(sd->msidSemantic);
  EXPECT_EQ(*sd->msidSemantic, (std::vector<std::string>{"WMS", "pub-stream"}));
  ASSERT_EQ(sd->media.size(), 2u);
  EXPECT_EQ(sd->media[0].kind, MediaKind::Audio);
  EXPECT_EQ(sd->media[1].kind, MediaKind::Video);
  EXPECT_EQ(sd->media[0].mid, "0");
  EXPECT_EQ(sd->media[1].mid, "1");
  for (const MediaSection& m : sd->media) {
    EXPECT_EQ(m.direction, Direction::SendOnly);
    EXPECT_EQ(m.setup, Setup::ActPass);
    EXPECT_EQ(m.iceUfrag, "sfuU");
    EXPECT_EQ(m.icePwd, "sfupasswordsfupasswordxx");
    ASSERT_TRUE(m.fingerprint);
    EXPECT_EQ(m.fingerprint->hex, "AA:BB:CC:DD");
    EXPECT_TRUE(m.rtcpMux);
    ASSERT_TRUE(m.msid);
    EXPECT_EQ(m.msid->streamId, "pub-stream");  // audio and video play as one stream
    ASSERT_FALSE(m.candidates.empty());
    EXPECT_NE(m.candidates[0].find("203.0.113.5 40000"), std::string::npos);
  }
  EXPECT_EQ(sd->media[0].msid->trackId, "aud-track");
  EXPECT_EQ(sd->media[1].msid->trackId, "vid-track");
}

TEST_F(SdpNegotiatorSubscriberTest, OfferAnnouncesOurSsrcs) {
  const std::string text = SdpNegotiator::offerSubscriber(outgoing(), "pub-stream", local(), 1);
  EXPECT_TRUE(hasLine(text, "a=ssrc:5550001 cname:Yc9w2kQzvB3hT1aL"));
  EXPECT_TRUE(hasLine(text, "a=ssrc:5550001 msid:pub-stream aud-track"));
  EXPECT_TRUE(hasLine(text, "a=ssrc:5550002 cname:Yc9w2kQzvB3hT1aL"));
  EXPECT_TRUE(hasLine(text, "a=ssrc:5550002 msid:pub-stream vid-track"));
  // The publisher's own SSRCs never reach subscribers.
  EXPECT_EQ(text.find("2233445566"), std::string::npos);
  EXPECT_EQ(text.find("1001234567"), std::string::npos);
}

TEST_F(SdpNegotiatorSubscriberTest, OfferUsesSourceCodecsAndPayloadTypes) {
  auto sd = SessionDescription::parse(
      SdpNegotiator::offerSubscriber(outgoing(), "pub-stream", local(), 1));
  ASSERT_TRUE(sd);
  const MediaSection& a = sd->media[0];
  const MediaSection& v = sd->media[1];
  EXPECT_EQ(a.payloadTypes, (std::vector<uint8_t>{111}));
  EXPECT_EQ(v.payloadTypes, (std::vector<uint8_t>{96, 98, 102, 45}));
  const auto opus = sdp::codecFor(a, 111);
  ASSERT_TRUE(opus);
  EXPECT_EQ(opus->name, "opus");
  EXPECT_EQ(opus->clockRate, 48000u);
  EXPECT_EQ(opus->channels, 2u);
  EXPECT_EQ(opus->params.at("useinbandfec"), "1");
  EXPECT_TRUE(opus->feedback.empty());
  const auto h264 = sdp::codecFor(v, 102);
  ASSERT_TRUE(h264);
  EXPECT_EQ(h264->name, "H264");
  EXPECT_EQ(h264->params.at("packetization-mode"), "1");
  EXPECT_EQ(h264->params.at("profile-level-id"), "42e01f");
  for (uint8_t pt : v.payloadTypes) {
    const auto c = sdp::codecFor(v, pt);
    ASSERT_TRUE(c) << int(pt);
    for (const char* fb : {"nack", "nack pli", "ccm fir", "goog-remb"})
      EXPECT_NE(std::find(c->feedback.begin(), c->feedback.end(), fb), c->feedback.end())
          << int(pt) << " lacks " << fb;
    EXPECT_EQ(std::find(c->feedback.begin(), c->feedback.end(), "transport-cc"), c->feedback.end());
  }
}

TEST_F(SdpNegotiatorSubscriberTest, OfferKeepsOnlyForwardedExtensions) {
  auto sd = SessionDescription::parse(
      SdpNegotiator::offerSubscriber(outgoing(), "pub-stream", local(), 1));
  ASSERT_TRUE(sd);
  const auto& a = sd->media[0].extmaps;
  const auto& v = sd->media[1].extmaps;
  EXPECT_EQ(extId(a, kAudioLevel), 1);
  EXPECT_EQ(extId(a, kAbsSendTime), 2);
  EXPECT_EQ(extId(a, kMid), 4);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(extId(v, kAbsSendTime), 2);
  EXPECT_EQ(extId(v, kVideoOrientation), 13);
  EXPECT_EQ(extId(v, kMid), 4);
  EXPECT_EQ(v.size(), 3u);
  for (const auto* list : {&a, &v}) {
    EXPECT_FALSE(extId(*list, kTransportCc));
    EXPECT_FALSE(extId(*list, kRid));
    EXPECT_FALSE(extId(*list, kRepairedRid));
  }
}

TEST_F(SdpNegotiatorSubscriberTest, AbsCaptureTimeIsAcceptedAndForwardedWithThePublishersId) {
  const std::string kAbsCaptureTime =
      "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";
  const std::string offer = replaceAll(kChromeOffer, "a=extmap:13 urn:3gpp:video-orientation\r\n",
                                       "a=extmap:13 urn:3gpp:video-orientation\r\n"
                                       "a=extmap:9 " +
                                           kAbsCaptureTime + "\r\n");
  ASSERT_NE(offer, kChromeOffer);
  auto r = SdpNegotiator::answerPublisher(offer, local());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto answer = SessionDescription::parse(r->sdp);
  ASSERT_TRUE(answer);
  EXPECT_EQ(extId(answer->media[1].extmaps, kAbsCaptureTime), 9);
  EXPECT_FALSE(extId(answer->media[0].extmaps, kAbsCaptureTime));
  auto sub = SessionDescription::parse(SdpNegotiator::offerSubscriber(
      {{&r->tracks[0], 5550001, "aud-track"}, {&r->tracks[1], 5550002, "vid-track"}}, "pub-stream",
      local(), 1));
  ASSERT_TRUE(sub);
  // Forwarded packets keep the publisher's extension bytes, so its id must stay.
  EXPECT_EQ(extId(sub->media[1].extmaps, kAbsCaptureTime), 9);
}

TEST_F(SdpNegotiatorSubscriberTest, SubscriberAnswerWithActiveSetupMakesUsServer) {
  const std::string text = SdpNegotiator::offerSubscriber(outgoing(), "pub-stream", local(), 1);
  // What Chrome answers to that offer (typed in: recvonly, setup active, its credentials).
  const std::string chromeAnswer = std::string() +
                                   "v=0\r\n"
                                   "o=- 8811223344556677 2 IN IP4 127.0.0.1\r\n"
                                   "s=-\r\n"
                                   "t=0 0\r\n"
                                   "a=group:BUNDLE 0 1\r\n"
                                   "a=msid-semantic: WMS\r\n"
                                   "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                                   "c=IN IP4 0.0.0.0\r\n"
                                   "a=rtcp:9 IN IP4 0.0.0.0\r\n"
                                   "a=ice-ufrag:sUbS\r\n"
                                   "a=ice-pwd:subscriberpasswordsubscr\r\n"
                                   "a=ice-options:trickle\r\n"
                                   "a=fingerprint:sha-256 " +
                                   kFingerprint +
                                   "\r\n"
                                   "a=setup:active\r\n"
                                   "a=mid:0\r\n"
                                   "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                                   "a=recvonly\r\n"
                                   "a=rtcp-mux\r\n"
                                   "a=rtpmap:111 opus/48000/2\r\n"
                                   "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
                                   "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                                   "c=IN IP4 0.0.0.0\r\n"
                                   "a=ice-ufrag:sUbS\r\n"
                                   "a=ice-pwd:subscriberpasswordsubscr\r\n"
                                   "a=fingerprint:sha-256 " +
                                   kFingerprint +
                                   "\r\n"
                                   "a=setup:active\r\n"
                                   "a=mid:1\r\n"
                                   "a=recvonly\r\n"
                                   "a=rtcp-mux\r\n"
                                   "a=rtcp-rsize\r\n"
                                   "a=rtpmap:96 VP8/90000\r\n"
                                   "a=rtcp-fb:96 nack\r\n"
                                   "a=rtcp-fb:96 nack pli\r\n";
  ASSERT_FALSE(text.empty());
  auto r = SdpNegotiator::readSubscriberAnswer(chromeAnswer);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->remote.dtlsRole, dtls::DtlsRole::Server);
  EXPECT_EQ(r->remote.iceUfrag, "sUbS");
  EXPECT_EQ(r->remote.icePassword, "subscriberpasswordsubscr");
  EXPECT_EQ(r->remote.fingerprintHash, "sha-256");
  EXPECT_EQ(r->remote.fingerprint, kFingerprint);
  EXPECT_EQ(r->acceptedMids, (std::vector<std::string>{"0", "1"}));
  // What the subscriber can decode, per mid.
  EXPECT_EQ(r->acceptedPayloadTypes.at("0"), (std::vector<uint8_t>{111}));
  EXPECT_EQ(r->acceptedPayloadTypes.at("1"), (std::vector<uint8_t>{96}));

  // A passive answer means we connect.
  auto passive = SdpNegotiator::readSubscriberAnswer(
      replaceAll(chromeAnswer, "setup:active", "setup:passive"));
  ASSERT_TRUE(passive.ok());
  EXPECT_EQ(passive->remote.dtlsRole, dtls::DtlsRole::Client);

  // A rejected m-line is not accepted.
  auto partial = SdpNegotiator::readSubscriberAnswer(
      replaceAll(chromeAnswer, "m=video 9 UDP", "m=video 0 UDP"));
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->acceptedMids, (std::vector<std::string>{"0"}));
  EXPECT_EQ(partial->acceptedPayloadTypes.count("1"), 0u);
}

TEST(SdpNegotiatorTest, SubscriberAnswerErrors) {
  auto garbage = SdpNegotiator::readSubscriberAnswer("v=1\r\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, core::Error::Code::Malformed);
  const std::string noFingerprint =
      replaceAll(kChromeOffer, std::string("a=fingerprint:sha-256 ") + kFingerprint + "\r\n", "");
  auto r = SdpNegotiator::readSubscriberAnswer(noFingerprint);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::Error::Code::Invalid);
}

TEST_F(SdpNegotiatorSubscriberTest, AnswerToSubscriberOfferKeepsItsOrderAndRejectsUnknownMids) {
  // The subscriber's own (ICE-restart) offer lists video first and adds a mid we do not have.
  const std::string offer = std::string() +
                            "v=0\r\n"
                            "o=- 99 3 IN IP4 127.0.0.1\r\n"
                            "s=-\r\n"
                            "t=0 0\r\n"
                            "a=group:BUNDLE 1 0 7\r\n"
                            "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
                            "c=IN IP4 0.0.0.0\r\n"
                            "a=ice-ufrag:rStU\r\n"
                            "a=ice-pwd:restartpasswordrestartpw\r\n"
                            "a=fingerprint:sha-256 " +
                            kFingerprint +
                            "\r\n"
                            "a=setup:actpass\r\n"
                            "a=mid:1\r\n"
                            "a=recvonly\r\n"
                            "a=rtpmap:96 VP8/90000\r\n"
                            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                            "c=IN IP4 0.0.0.0\r\n"
                            "a=setup:actpass\r\n"
                            "a=mid:0\r\n"
                            "a=recvonly\r\n"
                            "a=rtpmap:111 opus/48000/2\r\n"
                            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                            "c=IN IP4 0.0.0.0\r\n"
                            "a=setup:actpass\r\n"
                            "a=mid:7\r\n"
                            "a=recvonly\r\n"
                            "a=rtpmap:111 opus/48000/2\r\n";
  const std::string text =
      SdpNegotiator::answerSubscriberOffer(offer, outgoing(), "pub-stream", local());
  auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd) << text;
  ASSERT_EQ(sd->media.size(), 3u);
  EXPECT_EQ(sd->media[0].mid, "1");
  EXPECT_EQ(sd->media[0].kind, MediaKind::Video);
  EXPECT_EQ(sd->media[1].mid, "0");
  EXPECT_EQ(sd->media[1].kind, MediaKind::Audio);
  EXPECT_EQ(sd->media[2].mid, "7");
  EXPECT_EQ(sd->media[2].port, 0);
  EXPECT_NE(sd->media[0].port, 0);
  EXPECT_NE(sd->media[1].port, 0);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(sd->media[i].direction, Direction::SendOnly);
    // The subscriber offered actpass: we stay the DTLS server we already are.
    EXPECT_EQ(sd->media[i].setup, Setup::Passive);
    EXPECT_EQ(sd->media[i].iceUfrag, "sfuU");
  }
  ASSERT_TRUE(sd->bundle);
  EXPECT_EQ(*sd->bundle, (std::vector<std::string>{"1", "0"}));
  EXPECT_TRUE(hasLine(text, "a=ssrc:5550002 msid:pub-stream vid-track"));

  auto transport = SdpNegotiator::readSubscriberOffer(offer);
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  EXPECT_EQ(transport->remote.iceUfrag, "rStU");

  EXPECT_TRUE(
      SdpNegotiator::answerSubscriberOffer("garbage", outgoing(), "pub-stream", local()).empty());
}

TEST_F(SdpNegotiatorSubscriberTest, WhepStyleOfferWithItsOwnMidsAndCodecs) {
  // A WHEP client numbers its m-lines "a" and "v" and receives only some codecs: tracks are
  // matched by kind, the answer uses the client's mids (without the mid extension, which
  // forwarded packets carry with the publisher's value), keeps only the codecs the client can
  // receive and says which; an m-line with none of ours is refused.
  auto offerWith = [](const std::string& videoCodec, const std::string& fmtp) {
    return std::string() +
           "v=0\n"
           "o=- 99 3 IN IP4 127.0.0.1\n"
           "s=-\n"
           "t=0 0\n"
           "m=audio 9 UDP/TLS/RTP/SAVPF 111\n" +
           kTransportLines +
           "a=mid:a\n"
           "a=recvonly\n"
           "a=rtpmap:111 opus/48000/2\n"
           "m=video 9 UDP/TLS/RTP/SAVPF 102\n" +
           kTransportLines +
           "a=mid:v\n"
           "a=recvonly\n"
           "a=rtpmap:102 " +
           videoCodec + "/90000\n" + fmtp;
  };
  std::map<std::string, std::vector<uint8_t>> kept;
  const std::string text = SdpNegotiator::answerSubscriberOffer(
      offerWith("H264", "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\n"), outgoing(),
      "pub-stream", local(), &kept);
  auto sd = SessionDescription::parse(text);
  ASSERT_TRUE(sd) << text;
  ASSERT_EQ(sd->media.size(), 2u);
  EXPECT_EQ(sd->media[0].mid, "a");
  EXPECT_NE(sd->media[0].port, 0);
  EXPECT_EQ(sd->media[0].payloadTypes, (std::vector<uint8_t>{111}));
  for (const auto& m : sd->media)
    for (const auto& e : m.extmaps) EXPECT_NE(e.uri, "urn:ietf:params:rtp-hdrext:sdes:mid");
  EXPECT_EQ(sd->media[1].mid, "v");
  EXPECT_NE(sd->media[1].port, 0);
  ASSERT_FALSE(sd->media[1].payloadTypes.empty());
  for (uint8_t pt : sd->media[1].payloadTypes) {
    auto c = sdp::codecFor(sd->media[1], pt);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->name, "H264") << text;
  }
  EXPECT_EQ(kept.at(audio().mid), (std::vector<uint8_t>{111}));
  EXPECT_EQ(kept.at(video().mid), sd->media[1].payloadTypes);

  kept.clear();
  auto refused = SessionDescription::parse(SdpNegotiator::answerSubscriberOffer(
      offerWith("H265", ""), outgoing(), "pub-stream", local(), &kept));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->media[1].port, 0);  // nothing we have
  ASSERT_TRUE(refused->bundle);
  EXPECT_EQ(*refused->bundle, (std::vector<std::string>{"a"}));
  EXPECT_EQ(kept.count(video().mid), 0u);
}

TEST_F(SdpNegotiatorSubscriberTest, AnswerToActiveSubscriberOfferIsPassive) {
  const std::string offer = std::string() +
                            "v=0\n"
                            "o=- 99 3 IN IP4 127.0.0.1\n"
                            "s=-\n"
                            "t=0 0\n"
                            "m=audio 9 UDP/TLS/RTP/SAVPF 111\n" +
                            replaceAll(kTransportLines, "setup:actpass", "setup:active") +
                            "a=mid:0\n"
                            "a=rtpmap:111 opus/48000/2\n";
  auto sd = SessionDescription::parse(
      SdpNegotiator::answerSubscriberOffer(offer, outgoing(), "pub-stream", local()));
  ASSERT_TRUE(sd);
  ASSERT_EQ(sd->media.size(), 1u);
  EXPECT_EQ(sd->media[0].setup, Setup::Passive);
}

TEST_F(SdpNegotiatorSubscriberTest, AnswerToPassiveSubscriberOfferIsActive) {
  const std::string offer = std::string() +
                            "v=0\n"
                            "o=- 99 3 IN IP4 127.0.0.1\n"
                            "s=-\n"
                            "t=0 0\n"
                            "m=audio 9 UDP/TLS/RTP/SAVPF 111\n" +
                            replaceAll(kTransportLines, "setup:actpass", "setup:passive") +
                            "a=mid:0\n"
                            "a=rtpmap:111 opus/48000/2\n";
  auto sd = SessionDescription::parse(
      SdpNegotiator::answerSubscriberOffer(offer, outgoing(), "pub-stream", local()));
  ASSERT_TRUE(sd);
  ASSERT_EQ(sd->media.size(), 1u);
  EXPECT_EQ(sd->media[0].setup, Setup::Active);
}

}  // namespace
}  // namespace parley::media
