#include "media/sdp/SessionDescription.h"

#include <gtest/gtest.h>

#include <string>

#include "media/sdp/SdpSerializer.h"

namespace parley::media::sdp {
namespace {

// A Chrome unified-plan publisher offer (docs/protocol.md §8.1-8.2), typed in by hand.
const char* const kChromeOffer =
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
    "a=fingerprint:sha-256 "
    "3B:8F:21:6C:D0:77:9A:E4:5C:12:FF:08:B3:6E:41:9D:2A:C7:55:E0:1B:94:6F:3D:88:0C:A2:7E:"
    "D9:14:5B:C6\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
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
    "a=fingerprint:sha-256 "
    "3B:8F:21:6C:D0:77:9A:E4:5C:12:FF:08:B3:6E:41:9D:2A:C7:55:E0:1B:94:6F:3D:88:0C:A2:7E:"
    "D9:14:5B:C6\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:13 urn:3gpp:video-orientation\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
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
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
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

// docs/protocol.md §8.6 SSRC simulcast: SIM over 10000..10002, FID pairs with 20000..20002. LF line
// ends.
const char* const kSimulcastOffer =
    "v=0\n"
    "o=- 1 2 IN IP4 127.0.0.1\n"
    "s=-\n"
    "t=0 0\n"
    "a=group:BUNDLE 0\n"
    "a=msid-semantic: WMS\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97\n"
    "c=IN IP4 0.0.0.0\n"
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

const char* const kRidOffer =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    "a=mid:1\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:* nack\r\n"
    "a=extmap:10/sendonly urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=rid:f send\r\n"
    "a=rid:h send max-width=640;max-height=360\r\n"
    "a=rid:q send\r\n"
    "a=simulcast:send f;h;q\r\n"
    "a=candidate:1465505847 1 udp 2122194687 192.0.2.2 39000 typ host generation 0\r\n"
    "a=end-of-candidates\r\n";

SessionDescription mustParse(const std::string& text) {
  std::string err;
  auto sd = SessionDescription::parse(text, &err);
  EXPECT_TRUE(sd.has_value()) << err;
  return sd ? *sd : SessionDescription{};
}

void expectRoundTrip(const SessionDescription& sd) {
  const std::string text = SdpSerializer::serialize(sd);
  std::string err;
  const auto back = SessionDescription::parse(text, &err);
  ASSERT_TRUE(back.has_value()) << err << "\n" << text;
  EXPECT_EQ(*back, sd) << text;
  EXPECT_EQ(SdpSerializer::serialize(*back), text);
}

std::string parseError(const std::string& text) {
  std::string err;
  EXPECT_FALSE(SessionDescription::parse(text, &err).has_value()) << text;
  return err;
}

TEST(SessionDescriptionTest, ChromeOfferSessionLevel) {
  const auto sd = mustParse(kChromeOffer);
  ASSERT_TRUE(sd.origin);
  EXPECT_EQ(sd.origin->sessionId, "4611731400430051336");
  EXPECT_EQ(sd.origin->sessionVersion, "2");
  EXPECT_EQ(sd.origin->address, "127.0.0.1");
  ASSERT_TRUE(sd.bundle);
  EXPECT_EQ(*sd.bundle, (std::vector<std::string>{"0", "1"}));
  EXPECT_TRUE(sd.extmapAllowMixed);
  EXPECT_FALSE(sd.iceLite);
  ASSERT_TRUE(sd.msidSemantic);
  EXPECT_EQ(*sd.msidSemantic, (std::vector<std::string>{"WMS", "6a3c1b2e-stream"}));
  EXPECT_EQ(sd.otherLines, (std::vector<std::string>{"s=-", "t=0 0"}));
  ASSERT_EQ(sd.media.size(), 2u);
}

TEST(SessionDescriptionTest, ChromeOfferAudio) {
  const auto sd = mustParse(kChromeOffer);
  ASSERT_EQ(sd.media.size(), 2u);
  const MediaSection& a = sd.media[0];
  EXPECT_EQ(a.kind, MediaKind::Audio);
  EXPECT_EQ(a.port, 9);
  EXPECT_EQ(a.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(a.payloadTypes, (std::vector<uint8_t>{111, 63, 9, 0, 8, 13, 110, 126}));
  EXPECT_EQ(a.mid, "0");
  EXPECT_EQ(a.direction, Direction::SendRecv);
  EXPECT_EQ(a.iceUfrag, "Xk3p");
  EXPECT_EQ(a.icePwd, "q0bY7fJ3kLmN9pQrS2tUvW4x");
  ASSERT_TRUE(a.iceOptions);
  EXPECT_EQ(*a.iceOptions, std::vector<std::string>{"trickle"});
  ASSERT_TRUE(a.fingerprint);
  EXPECT_EQ(a.fingerprint->hash, "sha-256");
  EXPECT_EQ(a.fingerprint->hex.size(), 32u * 3 - 1);
  EXPECT_EQ(a.setup, Setup::ActPass);
  EXPECT_TRUE(a.rtcpMux);
  EXPECT_FALSE(a.rtcpRsize);
  const PayloadFormat& opus = a.payloads.at(111);
  ASSERT_TRUE(opus.rtpmap);
  EXPECT_EQ(opus.rtpmap->name, "opus");
  EXPECT_EQ(opus.rtpmap->clockRate, 48000u);
  EXPECT_EQ(opus.rtpmap->channels, 2u);
  EXPECT_EQ(opus.fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(opus.rtcpFb, std::vector<std::string>{"transport-cc"});
  EXPECT_FALSE(a.payloads.at(0).rtpmap->channels);
  ASSERT_EQ(a.extmaps.size(), 4u);
  EXPECT_EQ(a.extmaps[0].id, 1);
  EXPECT_EQ(a.extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  EXPECT_EQ(a.extmaps[2].uri,
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
  ASSERT_TRUE(a.msid);
  EXPECT_EQ(a.msid->streamId, "6a3c1b2e-stream");
  EXPECT_EQ(a.msid->trackId, "0f1e2d3c-audio");
  ASSERT_EQ(a.ssrcs.size(), 2u);
  EXPECT_EQ(a.ssrcs[0].ssrc, 1001234567u);
  EXPECT_EQ(a.ssrcs[0].attribute, "cname");
  EXPECT_EQ(a.ssrcs[0].value, "Yc9w2kQzvB3hT1aL");
  EXPECT_EQ(a.ssrcs[1].value, "6a3c1b2e-stream 0f1e2d3c-audio");
  EXPECT_EQ(a.otherLines, std::vector<std::string>{"c=IN IP4 0.0.0.0"});
  EXPECT_EQ(a.otherAttributes, std::vector<std::string>{"rtcp:9 IN IP4 0.0.0.0"});
}

TEST(SessionDescriptionTest, ChromeOfferVideo) {
  const auto sd = mustParse(kChromeOffer);
  ASSERT_EQ(sd.media.size(), 2u);
  const MediaSection& v = sd.media[1];
  EXPECT_EQ(v.kind, MediaKind::Video);
  EXPECT_EQ(v.mid, "1");
  EXPECT_TRUE(v.rtcpRsize);
  EXPECT_EQ(v.payloadTypes, (std::vector<uint8_t>{96, 97, 98, 99, 102, 103, 45, 46}));
  EXPECT_EQ(v.payloads.at(96).rtcpFb.size(), 5u);
  EXPECT_EQ(v.payloads.at(96).rtcpFb[2], "ccm fir");
  EXPECT_EQ(v.payloads.at(97).rtpmap->name, "rtx");
  EXPECT_EQ(v.payloads.at(97).fmtp, "apt=96");
  EXPECT_EQ(v.payloads.at(45).rtpmap->name, "AV1");
  EXPECT_EQ(v.payloads.at(102).fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  ASSERT_EQ(v.ssrcGroups.size(), 1u);
  EXPECT_EQ(v.ssrcGroups[0].semantics, "FID");
  EXPECT_EQ(v.ssrcGroups[0].ssrcs, (std::vector<uint32_t>{2233445566u, 3344556677u}));
  EXPECT_EQ(v.ssrcs.size(), 4u);
  EXPECT_EQ(v.extmaps.size(), 7u);
}

TEST(SessionDescriptionTest, SimulcastSsrcGroups) {
  const auto sd = mustParse(kSimulcastOffer);
  ASSERT_EQ(sd.media.size(), 1u);
  const MediaSection& v = sd.media[0];
  ASSERT_EQ(v.ssrcGroups.size(), 4u);
  EXPECT_EQ(v.ssrcGroups[0].semantics, "SIM");
  EXPECT_EQ(v.ssrcGroups[0].ssrcs, (std::vector<uint32_t>{10000, 10001, 10002}));
  EXPECT_EQ(v.ssrcGroups[3].ssrcs, (std::vector<uint32_t>{10002, 20002}));
  EXPECT_EQ(v.ssrcs.size(), 9u);
  ASSERT_TRUE(sd.msidSemantic);
  EXPECT_EQ(*sd.msidSemantic, std::vector<std::string>{"WMS"});
}

TEST(SessionDescriptionTest, RidSimulcast) {
  const auto sd = mustParse(kRidOffer);
  const MediaSection& v = sd.media.at(0);
  ASSERT_EQ(v.rids.size(), 3u);
  EXPECT_EQ(v.rids[1].id, "h");
  EXPECT_TRUE(v.rids[1].send);
  EXPECT_EQ(v.rids[1].params, "max-width=640;max-height=360");
  ASSERT_TRUE(v.simulcast);
  EXPECT_EQ(v.simulcast->send, "f;h;q");
  EXPECT_EQ(v.simulcast->recv, "");
  EXPECT_EQ(v.rtcpFbAll, std::vector<std::string>{"nack"});
  ASSERT_EQ(v.extmaps.size(), 1u);
  EXPECT_EQ(v.extmaps[0].direction, Direction::SendOnly);
  ASSERT_EQ(v.candidates.size(), 1u);
  EXPECT_EQ(v.candidates[0].substr(0, 11), "1465505847 ");
  EXPECT_EQ(v.otherAttributes, std::vector<std::string>{"end-of-candidates"});
  EXPECT_FALSE(sd.bundle);
}

TEST(SessionDescriptionTest, RoundTrips) {
  expectRoundTrip(mustParse(kChromeOffer));
  expectRoundTrip(mustParse(kSimulcastOffer));
  expectRoundTrip(mustParse(kRidOffer));
}

TEST(SessionDescriptionTest, ChromeOfferSerializesVerbatimExceptOrder) {
  // The serializer's order matches Chrome's for everything in this offer except a=rtcp.
  const std::string out = SdpSerializer::serialize(mustParse(kChromeOffer));
  EXPECT_NE(out.find("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;"
                     "profile-level-id=42e01f\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("a=msid-semantic: WMS 6a3c1b2e-stream\r\n"), std::string::npos);
  EXPECT_EQ(out.size(), std::string(kChromeOffer).size());
}

TEST(SessionDescriptionTest, BuildAnswerFromModel) {
  auto sd = mustParse(kChromeOffer);
  sd.iceLite = true;
  for (MediaSection& m : sd.media) {
    m.direction = Direction::RecvOnly;
    m.setup = Setup::Passive;
    m.ssrcs.clear();
    m.ssrcGroups.clear();
    m.msid.reset();
    m.candidates.push_back("1 1 udp 2130706431 198.51.100.1 40000 typ host");
  }
  const std::string text = SdpSerializer::serialize(sd);
  EXPECT_NE(text.find("a=ice-lite\r\n"), std::string::npos);
  EXPECT_NE(text.find("a=recvonly\r\n"), std::string::npos);
  EXPECT_EQ(text.find("a=ssrc"), std::string::npos);
  expectRoundTrip(sd);
}

TEST(SessionDescriptionTest, ApplicationSectionAndOddities) {
  const auto sd = mustParse(
      "v=0\n"
      "o=- 1 1 IN IP4 0.0.0.0\n"
      "\n"
      "a=group:BUNDLE\n"
      "a=group:LS 0 1\n"
      "a=x-custom:a b  c\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
      "a=sctp-port:5000\n"
      "a=mid:\n"
      "a=inactive\n"
      "a=ice-options:\n"
      "a=fmtp:96\n"
      "a=ssrc:7 label\n"
      "a=msid:-\n");
  ASSERT_TRUE(sd.bundle);
  EXPECT_TRUE(sd.bundle->empty());
  EXPECT_EQ(sd.otherAttributes, (std::vector<std::string>{"group:LS 0 1", "x-custom:a b  c"}));
  const MediaSection& m = sd.media.at(0);
  EXPECT_EQ(m.kind, MediaKind::Application);
  EXPECT_EQ(m.formats, std::vector<std::string>{"webrtc-datachannel"});
  EXPECT_TRUE(m.payloadTypes.empty());
  EXPECT_EQ(m.mid, "");
  EXPECT_EQ(m.direction, Direction::Inactive);
  EXPECT_EQ(m.payloads.at(96).fmtp, "");
  EXPECT_FALSE(m.ssrcs.at(0).value);
  EXPECT_EQ(m.msid->streamId, "-");
  EXPECT_EQ(m.msid->trackId, "");
  expectRoundTrip(sd);
}

TEST(SessionDescriptionTest, MalformedLinesReportLineNumber) {
  const std::string head = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=video 9 RTP/SAVPF 96\r\n";
  const struct {
    const char* line;
    const char* what;
  } cases[] = {
      {"a=rtpmap:96", "rtpmap"},
      {"a=rtpmap:x VP8/90000", "rtpmap"},
      {"a=rtpmap:128 VP8/90000", "rtpmap"},
      {"a=rtpmap:96 VP8", "rtpmap"},
      {"a=rtpmap:96 VP8/0", "rtpmap"},
      {"a=rtpmap:96 VP8/90000/x", "rtpmap"},
      {"a=rtpmap:96 /90000", "rtpmap"},
      {"a=fmtp:abc x=1", "fmtp"},
      {"a=rtcp-fb:96", "rtcp-fb"},
      {"a=rtcp-fb:q nack", "rtcp-fb"},
      {"a=extmap:0 urn:x", "extmap"},
      {"a=extmap:256 urn:x", "extmap"},
      {"a=extmap:1", "extmap"},
      {"a=extmap:1/sideways urn:x", "extmap"},
      {"a=ssrc:1", "ssrc"},
      {"a=ssrc:4294967296 cname:x", "ssrc"},
      {"a=ssrc:1 ", "ssrc"},
      {"a=ssrc-group:", "ssrc-group"},
      {"a=ssrc-group:FID 1 x", "ssrc-group"},
      {"a=fingerprint:sha-256", "fingerprint"},
      {"a=setup:sometimes", "setup"},
      {"a=mid", "mid"},
      {"a=msid:", "msid"},
      {"a=msid:a b c", "msid"},
      {"a=rid:f", "rid"},
      {"a=rid:f both", "rid"},
      {"a=simulcast:send", "simulcast"},
      {"a=simulcast:up f", "simulcast"},
      {"a=simulcast:send f send h", "simulcast"},
      {"m=text 9 RTP/AVP 0", "kind"},
      {"m=video 70000 RTP/AVP 0", "port"},
      {"m=video 9/2 RTP/AVP 0", "port"},
      {"m=video 9", "m="},
      {"m=video 9 RTP/AVP 200", "payload"},
      {"v=0", "v="},
      {"garbage", "type"},
      {"A=x", "type"},
      {"a=x\x01y", "control"},
  };
  for (const auto& c : cases) {
    const std::string err = parseError(head + c.line + "\r\n");
    EXPECT_EQ(err.rfind("line 4: ", 0), 0u) << c.line << " -> " << err;
    EXPECT_NE(err.find(c.what), std::string::npos) << c.line << " -> " << err;
  }
}

TEST(SessionDescriptionTest, MalformedSessionLines) {
  EXPECT_EQ(parseError(""), "empty SDP");
  EXPECT_EQ(parseError("\r\n\r\n"), "empty SDP");
  EXPECT_EQ(parseError("o=- 1 1 IN IP4 x\r\n").rfind("line 1:", 0), 0u);
  EXPECT_EQ(parseError("v=1\r\n").rfind("line 1:", 0), 0u);
  EXPECT_EQ(parseError("v=0\no=- 1 1 IN IP4\n").rfind("line 2:", 0), 0u);
  EXPECT_EQ(parseError("v=0\no=- 1 1 IN IP4 a\no=- 1 1 IN IP4 a\n").rfind("line 3:", 0), 0u);
  EXPECT_EQ(parseError("v=0\na=ice-lite:yes\n").rfind("line 2:", 0), 0u);
  EXPECT_EQ(parseError("v=0\na=extmap-allow-mixed:1\n").rfind("line 2:", 0), 0u);
  EXPECT_EQ(parseError("v=0\na=msid-semantic\n").rfind("line 2:", 0), 0u);
  EXPECT_EQ(parseError("v=0\n\n\nm=video 9 P 1\na=mid:0\na=mid:1\n").rfind("line 6:", 0), 0u);
}

TEST(SessionDescriptionTest, Limits) {
  std::string big = "v=0\r\n";
  while (big.size() <= SessionDescription::kMaxBytes) big += "a=x-pad:0123456789abcdef\r\n";
  EXPECT_NE(parseError(big).find("64 KiB"), std::string::npos);

  std::string many = "v=0\n";
  for (size_t i = 0; i < SessionDescription::kMaxLines; ++i) many += "a=p\n";
  EXPECT_NE(parseError(many).find("4096"), std::string::npos);
  many.resize(many.size() - 4);  // exactly 4096 lines
  EXPECT_TRUE(SessionDescription::parse(many));

  std::string sections = "v=0\n";
  for (size_t i = 0; i < SessionDescription::kMaxMediaSections; ++i)
    sections += "m=audio 9 RTP/AVP 0\n";
  EXPECT_TRUE(SessionDescription::parse(sections));
  sections += "m=audio 9 RTP/AVP 0\n";
  const std::string err = parseError(sections);
  EXPECT_EQ(err, "line 34: more than 32 media sections");
}

}  // namespace
}  // namespace parley::media::sdp
