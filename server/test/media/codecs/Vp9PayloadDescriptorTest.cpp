#include "media/codecs/Vp9PayloadDescriptor.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::codecs {
namespace {

std::optional<Vp9PayloadDescriptor> parseVec(const std::vector<uint8_t>& v) {
  return Vp9PayloadDescriptor::parse(v.data(), v.size());
}

// Non-flexible key picture: I=1 P=0 L=1 F=0 B=1 E=1 V=0 Z=0; 15-bit PictureID
// 0x0ABC; TID=0 U=0 SID=0 D=0; TL0PICIDX 0x21; one byte of frame data.
const std::vector<uint8_t> kNonFlexKey = {
    0xAC,        // |I=1|P=0|L=1|F=0|B=1|E=1|V=0|Z=0|
    0x8A, 0xBC,  // |M=1| PictureID=0x0ABC
    0x00,        // |TID=0|U=0|SID=0|D=0|
    0x21,        // TL0PICIDX
    0x82,        // frame data
};

// Flexible inter picture: I=1 P=1 L=1 F=1 B=1 E=0 V=0 Z=1; 7-bit PictureID
// 0x05; TID=2 U=1 SID=1 D=1; P_DIFF 1 (N=1), P_DIFF 4 (N=0); frame data.
const std::vector<uint8_t> kFlexInter = {
    0xF9,  // |I=1|P=1|L=1|F=1|B=1|E=0|V=0|Z=1|
    0x05,  // |M=0| PictureID=5
    0x53,  // |TID=2|U=1|SID=1|D=1|
    0x03,  // |P_DIFF=1|N=1|
    0x08,  // |P_DIFF=4|N=0|
    0x00,  // frame data
};

// Key picture with scalability structure: I=0 P=0 L=0 F=0 B=1 E=1 V=1 Z=0;
// SS: N_S=1 (2 layers) Y=1 G=1; 320x180, 640x360; N_G=2: (TID=0 U=0 R=0),
// (TID=1 U=1 R=1, P_DIFF=1); frame data.
const std::vector<uint8_t> kKeyWithSs = {
    0x0E,                    // |I=0|P=0|L=0|F=0|B=1|E=1|V=1|Z=0|
    0x38,                    // |N_S=1|Y=1|G=1|RES|
    0x01, 0x40, 0x00, 0xB4,  // layer 0: 320 x 180
    0x02, 0x80, 0x01, 0x68,  // layer 1: 640 x 360
    0x02,                    // N_G = 2
    0x00,                    // |TID=0|U=0|R=0|RES|
    0x34,                    // |TID=1|U=1|R=1|RES|
    0x01,                    // P_DIFF = 1
    0x82,                    // frame data
};

TEST(Vp9PayloadDescriptorTest, ParsesNonFlexibleKeyframe) {
  const auto d = parseVec(kNonFlexKey);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->hasPictureId());
  EXPECT_TRUE(d->longPictureId());
  EXPECT_EQ(d->pictureId(), 0x0ABC);
  EXPECT_TRUE(d->hasLayerIndices());
  EXPECT_TRUE(d->hasTl0PicIdx());
  EXPECT_EQ(d->tl0PicIdx(), 0x21);
  EXPECT_FALSE(d->flexibleMode());
  EXPECT_TRUE(d->beginningOfFrame());
  EXPECT_TRUE(d->endOfFrame());
  EXPECT_EQ(d->size(), 5u);
  EXPECT_TRUE(d->isKeyframe());
}

TEST(Vp9PayloadDescriptorTest, ParsesFlexibleReferences) {
  const auto d = parseVec(kFlexInter);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->flexibleMode());
  EXPECT_TRUE(d->interPicturePredicted());
  EXPECT_TRUE(d->notReferenceForUpperLayer());
  EXPECT_FALSE(d->hasTl0PicIdx());
  EXPECT_EQ(d->pictureId(), 5);
  EXPECT_EQ(d->temporalId(), 2);
  EXPECT_TRUE(d->switchingUpPoint());
  EXPECT_EQ(d->spatialId(), 1);
  EXPECT_TRUE(d->interLayerDependency());
  ASSERT_EQ(d->referenceCount(), 2u);
  EXPECT_EQ(d->referenceDiff(0), 1);
  EXPECT_EQ(d->referenceDiff(1), 4);
  EXPECT_EQ(d->size(), 5u);
  EXPECT_FALSE(d->isKeyframe());
}

TEST(Vp9PayloadDescriptorTest, SkipsScalabilityStructure) {
  const auto d = parseVec(kKeyWithSs);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->hasScalabilityStructure());
  EXPECT_FALSE(d->hasLayerIndices());
  EXPECT_EQ(d->size(), 14u);
  EXPECT_TRUE(d->isKeyframe());
}

TEST(Vp9PayloadDescriptorTest, KeyframeNeedsBaseLayerAndBeginning) {
  // Non-predicted, B=1, but SID=1: not a keyframe of the base layer.
  const std::vector<uint8_t> upper = {0x28, 0x02, 0x00, 0x00};  // L=1 B=1; SID=1; TL0; data
  ASSERT_TRUE(parseVec(upper));
  EXPECT_FALSE(parseVec(upper)->isKeyframe());
  const std::vector<uint8_t> middle = {0x04, 0x00};  // B=0 E=1
  ASSERT_TRUE(parseVec(middle));
  EXPECT_FALSE(parseVec(middle)->isKeyframe());
}

TEST(Vp9PayloadDescriptorTest, RejectsTooManyReferences) {
  // F=1 P=1: four P_DIFF bytes each with N=1.
  const std::vector<uint8_t> b = {0x50, 0x03, 0x03, 0x03, 0x03, 0x00};
  EXPECT_FALSE(parseVec(b));
}

TEST(Vp9PayloadDescriptorTest, RejectsEveryTruncation) {
  for (const auto* v : {&kNonFlexKey, &kFlexInter, &kKeyWithSs}) {
    for (size_t len = 0; len < v->size(); ++len) {
      // Copy so ASan catches any read past `len`.
      const std::vector<uint8_t> cut(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_FALSE(parseVec(cut)) << len;
    }
    EXPECT_TRUE(parseVec(*v));
  }
}

}  // namespace
}  // namespace parley::media::codecs
