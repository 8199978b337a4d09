#include "load/RtpPacketizer.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "ClipTestSupport.h"
#include "media/codecs/H264Payload.h"
#include "media/codecs/Vp8PayloadDescriptor.h"

namespace parley::load {
namespace {

using media::codecs::H264Payload;
using media::codecs::Vp8PayloadDescriptor;
using Bytes = std::vector<uint8_t>;

MediaClip loadShort(ClipCodec codec) {
  std::string error;
  auto clip = MediaClip::load(test::shortClip(codec), codec, &error);
  if (!clip) throw std::runtime_error("no clip: " + error);  // gtest reports it as a failure
  return std::move(*clip);
}

// The NAL units of an access unit as MediaClip writes it (4-byte start codes), AUDs dropped.
std::vector<Bytes> unitsWithoutAud(const Bytes& au) {
  std::vector<Bytes> units;
  for (size_t i = 0; i + 4 <= au.size();) {
    EXPECT_TRUE(au[i] == 0 && au[i + 1] == 0 && au[i + 2] == 0 && au[i + 3] == 1);
    size_t end = i + 4;
    while (end + 4 <= au.size() &&
           !(au[end] == 0 && au[end + 1] == 0 && au[end + 2] == 0 && au[end + 3] == 1))
      ++end;
    if (end + 4 > au.size()) end = au.size();
    if ((au[i + 4] & 0x1f) != 9) units.emplace_back(au.begin() + i + 4, au.begin() + end);
    i = end;
  }
  return units;
}

class RtpPacketizerVp8Test : public ::testing::TestWithParam<size_t> {};

TEST_P(RtpPacketizerVp8Test, PayloadsReassembleIntoTheFrame) {
  const size_t maxPayload = GetParam();
  const MediaClip clip = loadShort(ClipCodec::Vp8);
  const auto frames = RtpPacketizer::packetize(clip, ClipCodec::Vp8, maxPayload);
  ASSERT_EQ(frames.size(), clip.frames().size());
  for (size_t f = 0; f < frames.size(); ++f) {
    const ClipFrame& source = clip.frames()[f];
    EXPECT_EQ(frames[f].keyframe, source.keyframe);
    EXPECT_EQ(frames[f].duration, source.duration);
    const auto& payloads = frames[f].payloads;
    // As few packets as the size allows, and near-equal: within one byte of each other.
    const size_t capacity = maxPayload - 4;
    EXPECT_EQ(payloads.size(), (source.data.size() + capacity - 1) / capacity);
    size_t smallest = SIZE_MAX, largest = 0;
    Bytes joined;
    for (size_t p = 0; p < payloads.size(); ++p) {
      const Bytes& payload = payloads[p];
      ASSERT_LE(payload.size(), maxPayload);
      smallest = std::min(smallest, payload.size());
      largest = std::max(largest, payload.size());
      const auto d = Vp8PayloadDescriptor::parse(payload.data(), payload.size());
      ASSERT_TRUE(d);
      EXPECT_EQ(d->size(), 4u);
      EXPECT_TRUE(d->hasPictureId());
      EXPECT_TRUE(d->longPictureId());
      EXPECT_EQ(d->pictureId(), 0);
      EXPECT_FALSE(d->hasTl0PicIdx() || d->hasTid() || d->hasKeyIdx());
      EXPECT_EQ(d->partitionId(), 0);
      EXPECT_EQ(d->startOfPartition(), p == 0);
      EXPECT_EQ(d->isKeyframe(), p == 0 && source.keyframe);
      joined.insert(joined.end(), payload.begin() + 4, payload.end());
    }
    EXPECT_LE(largest - smallest, 1u);
    EXPECT_EQ(joined, source.data) << "frame " << f;
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, RtpPacketizerVp8Test, ::testing::Values(1100, 300, 16));

TEST(RtpPacketizerTest, Vp8PictureIdRoundTrips) {
  const MediaClip clip = loadShort(ClipCodec::Vp8);
  auto frames = RtpPacketizer::packetize(clip, ClipCodec::Vp8, 1100);
  ASSERT_FALSE(frames.empty());
  Bytes& payload = frames[0].payloads[0];
  const Bytes before = payload;
  for (uint16_t id : {0, 1, 0x7f, 0x80, 0x1234, 0x7fff}) {
    RtpPacketizer::setVp8PictureId(payload.data(), id);
    const auto d = Vp8PayloadDescriptor::parse(payload.data(), payload.size());
    ASSERT_TRUE(d);
    EXPECT_EQ(d->pictureId(), id);
    EXPECT_TRUE(d->longPictureId());
    EXPECT_TRUE(d->isKeyframe());
    EXPECT_TRUE(std::equal(payload.begin() + 4, payload.end(), before.begin() + 4));
    EXPECT_EQ(payload[0], before[0]);
    EXPECT_EQ(payload[1], before[1]);
  }
  RtpPacketizer::setVp8PictureId(payload.data(), 0x8005);  // wraps to 15 bits
  EXPECT_EQ(Vp8PayloadDescriptor::parse(payload.data(), payload.size())->pictureId(), 5);
}

class RtpPacketizerH264Test : public ::testing::TestWithParam<size_t> {};

TEST_P(RtpPacketizerH264Test, PayloadsReassembleIntoTheAccessUnit) {
  const size_t maxPayload = GetParam();
  const MediaClip clip = loadShort(ClipCodec::H264);
  const auto frames = RtpPacketizer::packetize(clip, ClipCodec::H264, maxPayload);
  ASSERT_EQ(frames.size(), clip.frames().size());
  size_t stapAs = 0, fuAs = 0;
  for (size_t f = 0; f < frames.size(); ++f) {
    const ClipFrame& source = clip.frames()[f];
    EXPECT_EQ(frames[f].keyframe, source.keyframe);
    EXPECT_EQ(frames[f].duration, source.duration);
    std::vector<Bytes> units;
    Bytes fragmented;
    bool inFragment = false;
    bool sawKeyframe = false;
    for (const Bytes& payload : frames[f].payloads) {
      ASSERT_LE(payload.size(), maxPayload);
      const auto parsed = H264Payload::parse(payload.data(), payload.size());
      ASSERT_TRUE(parsed) << "frame " << f;
      sawKeyframe |= parsed->isKeyframe();
      switch (payload[0] & 0x1f) {
        case 24: {  // STAP-A
          ++stapAs;
          EXPECT_GE(parsed->nalCount(), 2u);
          for (size_t i = 1; i + 2 <= payload.size();) {
            const size_t size = payload[i] << 8 | payload[i + 1];
            ASSERT_LE(i + 2 + size, payload.size());
            units.emplace_back(payload.begin() + i + 2, payload.begin() + i + 2 + size);
            i += 2 + size;
          }
          break;
        }
        case 28: {  // FU-A
          ++fuAs;
          const bool start = payload[1] & 0x80, end = payload[1] & 0x40;
          EXPECT_EQ(start, !inFragment);
          if (start) fragmented = {static_cast<uint8_t>((payload[0] & 0xe0) | (payload[1] & 0x1f))};
          fragmented.insert(fragmented.end(), payload.begin() + 2, payload.end());
          inFragment = !end;
          if (end) units.push_back(fragmented);
          break;
        }
        default:
          EXPECT_FALSE(inFragment);
          EXPECT_NE(payload[0] & 0x1f, 9);  // no AUD
          units.push_back(payload);
      }
    }
    EXPECT_FALSE(inFragment);
    EXPECT_EQ(sawKeyframe, source.keyframe);
    EXPECT_EQ(units, unitsWithoutAud(source.data)) << "frame " << f;
  }
  EXPECT_EQ(stapAs, 2u);  // SPS + PPS at each of the two IDRs
  if (maxPayload < 1000) EXPECT_GT(fuAs, 0u);
}

INSTANTIATE_TEST_SUITE_P(Sizes, RtpPacketizerH264Test, ::testing::Values(1100, 300, 40));

TEST(RtpPacketizerTest, OpusPacketsGoAsTheyAre) {
  const MediaClip clip = loadShort(ClipCodec::Opus);
  const auto frames = RtpPacketizer::packetize(clip, ClipCodec::Opus, 1100);
  ASSERT_EQ(frames.size(), clip.frames().size());
  for (size_t f = 0; f < frames.size(); ++f) {
    ASSERT_EQ(frames[f].payloads.size(), 1u);
    EXPECT_EQ(frames[f].payloads[0], clip.frames()[f].data);
    EXPECT_EQ(frames[f].duration, 960u);
    EXPECT_TRUE(frames[f].keyframe);
  }
}

TEST(RtpPacketizerTest, TooSmallAPayloadGivesNothing) {
  const MediaClip clip = loadShort(ClipCodec::Vp8);
  EXPECT_TRUE(RtpPacketizer::packetize(clip, ClipCodec::Vp8, 15).empty());
  EXPECT_FALSE(RtpPacketizer::packetize(clip, ClipCodec::Vp8, 16).empty());
}

}  // namespace
}  // namespace parley::load
