#include "media/sdp/Codec.h"

#include <gtest/gtest.h>

#include "media/sdp/SessionDescription.h"

namespace parley::media::sdp {
namespace {

const char* const kVideo =
    "v=0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 45 46 35\r\n"
    "a=rtcp-fb:* ccm fir\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:103 RTX/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:45 AV1/90000\r\n"
    "a=rtpmap:46 rtx/90000\r\n"
    "a=fmtp:46 apt=45;rtx-time=3000\r\n"
    "a=rtpmap:111 opus/48000/2\r\n";  // not on the m= line

MediaSection video() {
  auto sd = SessionDescription::parse(kVideo);
  EXPECT_TRUE(sd);
  return sd ? sd->media.at(0) : MediaSection{};
}

TEST(CodecTest, FmtpParams) {
  const auto p = parseFmtpParams(" minptime=10; useinbandfec = 1;;stereo;=x; ");
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.at("minptime"), "10");
  EXPECT_EQ(p.at("useinbandfec"), "1");
  EXPECT_EQ(p.at("stereo"), "");
  EXPECT_TRUE(parseFmtpParams("").empty());
}

TEST(CodecTest, CodecForPayloadType) {
  const MediaSection m = video();
  const auto vp8 = codecFor(m, 96);
  ASSERT_TRUE(vp8);
  EXPECT_EQ(vp8->name, "VP8");
  EXPECT_EQ(vp8->clockRate, 90000u);
  EXPECT_EQ(vp8->channels, 1u);
  EXPECT_EQ(vp8->feedback, (std::vector<std::string>{"nack", "nack pli", "ccm fir"}));
  EXPECT_FALSE(codecFor(m, 111));  // rtpmap but not listed on m=
  EXPECT_FALSE(codecFor(m, 35));   // listed but no rtpmap
  EXPECT_FALSE(codecFor(m, 50));
  const auto codecs = codecsOf(m);
  ASSERT_EQ(codecs.size(), 6u);
  EXPECT_EQ(codecs[2].name, "H264");
  EXPECT_EQ(codecs[5].params.at("rtx-time"), "3000");
}

TEST(CodecTest, FindRtxPayloadType) {
  const MediaSection m = video();
  EXPECT_EQ(findRtxPayloadType(m, 96), 97);
  EXPECT_EQ(findRtxPayloadType(m, 102), 103);  // "RTX" matches case-insensitively
  EXPECT_EQ(findRtxPayloadType(m, 45), 46);
  EXPECT_FALSE(findRtxPayloadType(m, 97));
  EXPECT_FALSE(findRtxPayloadType(m, 111));
  EXPECT_TRUE(sameName("opus", "OPUS"));
  EXPECT_FALSE(sameName("opus", "opu"));
}

TEST(H264Test, ProfileLevelId) {
  EXPECT_EQ(parseH264ProfileLevelId("42e01f"), (H264ProfileLevel{0x42, 0xe0, 0x1f}));
  EXPECT_EQ(parseH264ProfileLevelId("42001F"), (H264ProfileLevel{0x42, 0x00, 0x1f}));
  EXPECT_EQ(parseH264ProfileLevelId("640c34"), (H264ProfileLevel{0x64, 0x0c, 0x34}));
  EXPECT_FALSE(parseH264ProfileLevelId("42e01"));
  EXPECT_FALSE(parseH264ProfileLevelId("42e01f0"));
  EXPECT_FALSE(parseH264ProfileLevelId("42g01f"));
  EXPECT_FALSE(parseH264ProfileLevelId(""));
}

TEST(H264Test, PacketizationMode) {
  const MediaSection m = video();
  const auto h264 = codecFor(m, 102);
  ASSERT_TRUE(h264);
  EXPECT_EQ(h264PacketizationMode(*h264), 1);
  EXPECT_EQ(parseH264ProfileLevelId(h264->params.at("profile-level-id"))->levelIdc, 0x1f);
  Codec c;
  EXPECT_EQ(h264PacketizationMode(c), 0);
  c.params["packetization-mode"] = "2";
  EXPECT_EQ(h264PacketizationMode(c), 2);
  c.params["packetization-mode"] = "3";
  EXPECT_FALSE(h264PacketizationMode(c));
}

}  // namespace
}  // namespace parley::media::sdp
