#include "media/sdp/AnswerBuilder.h"

#include <gtest/gtest.h>

#include "media/sdp/SdpSerializer.h"

namespace parley::media::sdp {
namespace {

const char* const kOffer =
    "v=0\r\n"
    "o=- 42 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1 2\r\n"
    "a=extmap-allow-mixed\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"
    "a=mid:0\r\n"
    "a=setup:actpass\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:9 urn:example:unsupported\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=ssrc:1 cname:x\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105\r\n"
    "a=mid:1\r\n"
    "a=setup:actpass\r\n"
    "a=sendrecv\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 packetization-mode=1;profile-level-id=640c1f\r\n"
    "a=rtpmap:105 rtx/90000\r\n"
    "a=fmtp:105 apt=104\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "a=mid:2\r\n";

AnswerParams params() {
  AnswerParams p;
  p.sessionId = "7";
  p.iceUfrag = "sfuU";
  p.icePwd = "sfuPasswordSfuPassword";
  p.fingerprint = Fingerprint{"sha-256", "AA:BB"};
  Codec opus;
  opus.name = "opus";
  opus.clockRate = 48000;
  opus.channels = 2;
  opus.feedback = {"transport-cc"};
  Codec vp8;
  vp8.name = "VP8";
  vp8.clockRate = 90000;
  vp8.feedback = {"nack", "nack pli", "transport-cc"};
  Codec h264;
  h264.name = "H264";
  h264.clockRate = 90000;
  h264.params = {{"packetization-mode", "1"}, {"profile-level-id", "42e01f"}};
  p.codecs = {opus, vp8, h264};
  p.headerExtensions = {"urn:ietf:params:rtp-hdrext:ssrc-audio-level"};
  return p;
}

TEST(SdpAnswerBuilderTest, AnswersChromePublisherOffer) {
  const auto offer = SessionDescription::parse(kOffer);
  ASSERT_TRUE(offer);
  const SessionDescription a = AnswerBuilder::answerFor(*offer, params());
  EXPECT_TRUE(a.iceLite);
  EXPECT_TRUE(a.extmapAllowMixed);
  ASSERT_TRUE(a.bundle);
  EXPECT_EQ(*a.bundle, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(a.media.size(), 3u);

  const MediaSection& audio = a.media[0];
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.payloadTypes, std::vector<uint8_t>{111});
  EXPECT_EQ(audio.payloads.at(111).fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(audio.payloads.at(111).rtcpFb, std::vector<std::string>{"transport-cc"});
  EXPECT_EQ(audio.direction, Direction::RecvOnly);
  EXPECT_EQ(audio.setup, Setup::Passive);
  EXPECT_EQ(audio.iceUfrag, "sfuU");
  EXPECT_TRUE(audio.ssrcs.empty());
  ASSERT_EQ(audio.extmaps.size(), 1u);
  EXPECT_EQ(audio.extmaps[0].id, 1);

  const MediaSection& video = a.media[1];
  EXPECT_EQ(video.payloadTypes, (std::vector<uint8_t>{96, 102, 97, 103}));
  EXPECT_EQ(video.payloads.at(96).rtcpFb, (std::vector<std::string>{"nack", "nack pli"}));
  EXPECT_EQ(video.payloads.at(103).fmtp, "apt=102");
  EXPECT_FALSE(video.payloads.count(104));
  EXPECT_TRUE(video.rtcpRsize);

  const MediaSection& data = a.media[2];
  EXPECT_EQ(data.port, 0);
  EXPECT_EQ(data.formats, std::vector<std::string>{"webrtc-datachannel"});

  const auto back = SessionDescription::parse(SdpSerializer::serialize(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);
}

TEST(SdpAnswerBuilderTest, RejectsSectionWithoutCommonCodec) {
  auto offer = SessionDescription::parse(
      "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 9\r\na=mid:a\r\na=setup:passive\r\n"
      "a=rtpmap:9 G722/8000\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:v\r\n"
      "a=setup:passive\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n");
  ASSERT_TRUE(offer);
  const SessionDescription a = AnswerBuilder::answerFor(*offer, params());
  ASSERT_EQ(a.media.size(), 2u);
  EXPECT_EQ(a.media[0].port, 0);
  EXPECT_EQ(a.media[0].payloadTypes, std::vector<uint8_t>{9});
  EXPECT_EQ(a.media[0].direction, Direction::Inactive);
  EXPECT_EQ(a.media[1].setup, Setup::Active);
  EXPECT_EQ(a.media[1].direction, Direction::RecvOnly);
  EXPECT_FALSE(a.bundle);
}

const char* const kRidOffer =
    "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=setup:actpass\r\na=sendonly\r\n"
    "a=rtpmap:96 VP8/90000\r\na=rid:f send\r\na=rid:h send\r\na=rid:q send\r\n"
    "a=rid:x send\r\na=simulcast:send f;~h,q;q;x;nope\r\n";

TEST(SdpAnswerBuilderTest, AcceptsRidSimulcastAsRecvStreams) {
  auto offer = SessionDescription::parse(kRidOffer);
  ASSERT_TRUE(offer);
  const SessionDescription a = AnswerBuilder::answerFor(*offer, params());
  const MediaSection& v = a.media.at(0);
  // First alternative of each stream, pause marker dropped, capped at three layers.
  ASSERT_EQ(v.rids.size(), 3u);
  EXPECT_EQ(v.rids[0], (Rid{"f", false, ""}));
  EXPECT_EQ(v.rids[1], (Rid{"h", false, ""}));
  EXPECT_EQ(v.rids[2], (Rid{"q", false, ""}));
  ASSERT_TRUE(v.simulcast);
  EXPECT_EQ(v.simulcast->recv, "f;h;q");
  EXPECT_EQ(v.simulcast->send, "");
  const std::string text = SdpSerializer::serialize(a);
  EXPECT_NE(text.find("a=rid:h recv\r\n"), std::string::npos) << text;
  EXPECT_NE(text.find("a=simulcast:recv f;h;q\r\n"), std::string::npos) << text;

  AnswerParams two = params();
  two.maxSimulcastLayers = 2;
  EXPECT_EQ(AnswerBuilder::answerFor(*offer, two).media.at(0).simulcast->recv, "f;h");
}

TEST(SdpAnswerBuilderTest, IgnoresSimulcastOfUndeclaredOrRecvRids) {
  auto offer = SessionDescription::parse(
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=setup:actpass\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rid:f recv\r\na=simulcast:send f;g\r\n");
  ASSERT_TRUE(offer);
  const SessionDescription a = AnswerBuilder::answerFor(*offer, params());
  const MediaSection& v = a.media.at(0);
  EXPECT_TRUE(v.rids.empty());
  EXPECT_FALSE(v.simulcast);
}

}  // namespace
}  // namespace parley::media::sdp
