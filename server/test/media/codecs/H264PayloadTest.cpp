#include "media/codecs/H264Payload.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::codecs {
namespace {

std::optional<H264Payload> parseVec(const std::vector<uint8_t>& v) {
  return H264Payload::parse(v.data(), v.size());
}

// Single NAL unit: header F=0 NRI=3 type=5 (IDR slice), then slice bytes.
const std::vector<uint8_t> kSingleIdr = {0x65, 0x88, 0x84, 0x00};
// Single NAL unit: F=0 NRI=2 type=1 (non-IDR slice).
const std::vector<uint8_t> kSingleSlice = {0x41, 0x9A, 0x02};

// STAP-A: header F=0 NRI=3 type=24; then
//   size 3, SPS (0x67 type 7) + 2 bytes; size 2, PPS (0x68 type 8) + 1 byte.
const std::vector<uint8_t> kStapSpsPps = {
    0x78,              // STAP-A header
    0x00, 0x03,        // NALU 1 size
    0x67, 0x42, 0x00,  // SPS
    0x00, 0x02,        // NALU 2 size
    0x68, 0xCE,        // PPS
};

// FU-A start of an IDR: indicator F=0 NRI=3 type=28; header S=1 E=0 type=5; fragment.
const std::vector<uint8_t> kFuIdrStart = {0x7C, 0x85, 0xB8, 0x00};
// FU-A middle of the same IDR: S=0 E=0 type=5.
const std::vector<uint8_t> kFuIdrMiddle = {0x7C, 0x05, 0x11};
// FU-A end of a non-IDR slice: S=0 E=1 type=1.
const std::vector<uint8_t> kFuSliceEnd = {0x5C, 0x41, 0x22, 0x33};

TEST(H264PayloadTest, SingleNalIdrIsKeyframe) {
  const auto p = parseVec(kSingleIdr);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind(), H264Payload::Kind::kSingleNal);
  EXPECT_EQ(p->nalType(), 5);
  EXPECT_EQ(p->nri(), 3);
  EXPECT_EQ(p->nalCount(), 1u);
  EXPECT_TRUE(p->containsIdr());
  EXPECT_TRUE(p->isKeyframe());
}

TEST(H264PayloadTest, SingleNalSliceIsNotKeyframe) {
  const auto p = parseVec(kSingleSlice);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->nalType(), 1);
  EXPECT_EQ(p->nri(), 2);
  EXPECT_FALSE(p->isKeyframe());
  EXPECT_TRUE(p->fragmentStart());
  EXPECT_TRUE(p->fragmentEnd());
}

TEST(H264PayloadTest, StapAWithSpsIsKeyframe) {
  const auto p = parseVec(kStapSpsPps);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind(), H264Payload::Kind::kStapA);
  EXPECT_EQ(p->nalCount(), 2u);
  EXPECT_EQ(p->nalType(), 7);
  EXPECT_TRUE(p->containsSps());
  EXPECT_TRUE(p->containsPps());
  EXPECT_FALSE(p->containsIdr());
  EXPECT_TRUE(p->isKeyframe());
}

TEST(H264PayloadTest, StapAOfPpsOnlyIsNotKeyframe) {
  // STAP-A, one unit of size 2: PPS.
  const std::vector<uint8_t> b = {0x78, 0x00, 0x02, 0x68, 0xCE};
  const auto p = parseVec(b);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->isKeyframe());
}

TEST(H264PayloadTest, FuAKeyframeOnlyOnStart) {
  const auto s = parseVec(kFuIdrStart);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind(), H264Payload::Kind::kFuA);
  EXPECT_EQ(s->nalType(), 5);
  EXPECT_TRUE(s->fragmentStart());
  EXPECT_FALSE(s->fragmentEnd());
  EXPECT_TRUE(s->isKeyframe());

  const auto m = parseVec(kFuIdrMiddle);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->fragmentStart());
  EXPECT_FALSE(m->fragmentEnd());
  EXPECT_FALSE(m->isKeyframe());

  const auto e = parseVec(kFuSliceEnd);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->nalType(), 1);
  EXPECT_EQ(e->nri(), 2);
  EXPECT_TRUE(e->fragmentEnd());
  EXPECT_FALSE(e->isKeyframe());
}

TEST(H264PayloadTest, RejectsMalformed) {
  const std::vector<std::vector<uint8_t>> bad = {
      {},
      {0xE5, 0x00},              // F=1
      {0x60},                    // type 0
      {0x79, 0x00, 0x01, 0x65},  // STAP-B (25)
      {0x7A, 0x00},              // MTAP16
      {0x7D, 0x85, 0x00},        // FU-B (29)
      {0x7E},
      {0x7F},                          // types 30, 31
      {0x78},                          // STAP-A without units
      {0x78, 0x00, 0x00},              // STAP-A unit of size 0
      {0x78, 0x00, 0x03, 0x67},        // STAP-A unit longer than the payload
      {0x78, 0x00, 0x01, 0x67, 0x00},  // trailing byte after a unit
      {0x78, 0x00, 0x01, 0xE7},        // aggregated unit with F=1
      {0x78, 0x00, 0x01, 0x7C},        // aggregated FU-A
      {0x7C, 0xC5, 0x00},              // FU-A with S and E
      {0x7C, 0x9C, 0x00},              // FU-A of a FU-A
      {0x7C, 0x80, 0x00},              // FU-A of type 0
  };
  for (const auto& b : bad) EXPECT_FALSE(parseVec(b)) << b.size();
  EXPECT_FALSE(H264Payload::parse(nullptr, 4));
}

TEST(H264PayloadTest, TruncationAtEveryLength) {
  // Lengths 0 and, for STAP-A/FU-A, every cut that splits a unit or the FU header fail;
  // cuts between STAP-A units or inside a single NAL / FU fragment still parse.
  for (const auto* v :
       {&kSingleIdr, &kSingleSlice, &kStapSpsPps, &kFuIdrStart, &kFuIdrMiddle, &kFuSliceEnd}) {
    for (size_t len = 0; len < v->size(); ++len) {
      // Copy so ASan catches any read past `len`.
      const std::vector<uint8_t> cut(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(len));
      const auto p = parseVec(cut);
      bool expected = len >= 1;  // single NAL: any non-empty prefix is a NAL unit
      if (v == &kStapSpsPps) {
        expected = len == 6;  // only the cut right after the first unit
      } else if (v == &kFuIdrStart || v == &kFuIdrMiddle || v == &kFuSliceEnd) {
        expected = len >= 3;  // indicator, header and at least one fragment byte
      }
      EXPECT_EQ(p.has_value(), expected) << len;
    }
    EXPECT_TRUE(parseVec(*v));
  }
}

}  // namespace
}  // namespace parley::media::codecs
