#include "media/codecs/Vp8PayloadDescriptor.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::media::codecs {
namespace {

// Minimal descriptor: X=0 N=0 S=1 PID=0, then a VP8 payload header with P=0 (key frame).
const std::vector<uint8_t> kMinimalKey = {
    0x10,  // |X=0|R|N=0|S=1|R|PID=0|
    0x9C,  // VP8 payload header: Size0=4 H=1 VER=6 P=0 -> key frame
    0x01,
    0x2A,
};

// Full descriptor: X=1 N=1 S=1 PID=0; I L T K all set; 15-bit PictureID 0x1234;
// TL0PICIDX 0x56; TID=2 Y=1 KEYIDX=0x11; VP8 payload header with P=1 (inter frame).
const std::vector<uint8_t> kFullInter = {
    0xB0,        // |X=1|R|N=1|S=1|R|PID=0|
    0xF0,        // |I=1|L=1|T=1|K=1|RSV|
    0x92, 0x34,  // |M=1| PictureID=0x1234 (15 bits)
    0x56,        // TL0PICIDX
    0xB1,        // |TID=2|Y=1|KEYIDX=0x11|
    0x01,        // VP8 payload header, P=1 (inter frame)
    0xAA,
};

// Extended with a 7-bit PictureID only: X=1 S=0 PID=3; I=1; PictureID 0x45; payload byte.
const std::vector<uint8_t> kShortPid = {
    0x83,  // |X=1|R|N=0|S=0|R|PID=3|
    0x80,  // |I=1|L=0|T=0|K=0|
    0x45,  // |M=0| PictureID=0x45
    0x00,  // payload (not a frame start, so not a key frame despite P=0)
};

// K only: X=1 S=1 PID=0; K=1; KEYIDX=5 in the T/K byte; key frame payload.
const std::vector<uint8_t> kKeyIdxOnly = {
    0x90,  // |X=1|R|N=0|S=1|R|PID=0|
    0x10,  // |I=0|L=0|T=0|K=1|
    0xC5,  // |TID bits (ignored)|Y (ignored)|KEYIDX=5|
    0x00,  // P=0
};

TEST(Vp8PayloadDescriptorTest, ParsesMinimalKeyframe) {
  const auto d = Vp8PayloadDescriptor::parse(kMinimalKey.data(), kMinimalKey.size());
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->extended());
  EXPECT_TRUE(d->startOfPartition());
  EXPECT_EQ(d->partitionId(), 0);
  EXPECT_FALSE(d->hasPictureId());
  EXPECT_FALSE(d->hasTl0PicIdx());
  EXPECT_FALSE(d->hasTid());
  EXPECT_FALSE(d->hasKeyIdx());
  EXPECT_EQ(d->size(), 1u);
  EXPECT_TRUE(d->isKeyframe());
}

TEST(Vp8PayloadDescriptorTest, ParsesAllExtensions) {
  const auto d = Vp8PayloadDescriptor::parse(kFullInter.data(), kFullInter.size());
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->extended());
  EXPECT_TRUE(d->nonReference());
  EXPECT_TRUE(d->beginningOfFrame());
  EXPECT_TRUE(d->hasPictureId());
  EXPECT_TRUE(d->longPictureId());
  EXPECT_EQ(d->pictureId(), 0x1234);
  EXPECT_TRUE(d->hasTl0PicIdx());
  EXPECT_EQ(d->tl0PicIdx(), 0x56);
  EXPECT_TRUE(d->hasTid());
  EXPECT_EQ(d->tid(), 2);
  EXPECT_TRUE(d->layerSync());
  EXPECT_TRUE(d->hasKeyIdx());
  EXPECT_EQ(d->keyIdx(), 0x11);
  EXPECT_EQ(d->size(), 6u);
  EXPECT_FALSE(d->isKeyframe());
}

TEST(Vp8PayloadDescriptorTest, ParsesShortPictureIdAndNonStart) {
  const auto d = Vp8PayloadDescriptor::parse(kShortPid.data(), kShortPid.size());
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->startOfPartition());
  EXPECT_EQ(d->partitionId(), 3);
  EXPECT_FALSE(d->longPictureId());
  EXPECT_EQ(d->pictureId(), 0x45);
  EXPECT_EQ(d->size(), 3u);
  EXPECT_FALSE(d->isKeyframe());
}

TEST(Vp8PayloadDescriptorTest, KeyIdxWithoutTid) {
  const auto d = Vp8PayloadDescriptor::parse(kKeyIdxOnly.data(), kKeyIdxOnly.size());
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->hasTid());
  EXPECT_EQ(d->tid(), 0);
  EXPECT_FALSE(d->layerSync());
  EXPECT_TRUE(d->hasKeyIdx());
  EXPECT_EQ(d->keyIdx(), 5);
  EXPECT_EQ(d->size(), 3u);
  EXPECT_TRUE(d->isKeyframe());
}

TEST(Vp8PayloadDescriptorTest, NotKeyframeWhenPartitionIdNonZero) {
  const std::vector<uint8_t> b = {0x11, 0x00};  // S=1 PID=1, P=0
  const auto d = Vp8PayloadDescriptor::parse(b.data(), b.size());
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->isKeyframe());
}

TEST(Vp8PayloadDescriptorTest, RejectsEveryTruncation) {
  for (const auto* v : {&kMinimalKey, &kFullInter, &kShortPid, &kKeyIdxOnly}) {
    const auto full = Vp8PayloadDescriptor::parse(v->data(), v->size());
    ASSERT_TRUE(full);
    for (size_t len = 0; len <= full->size(); ++len) {
      // Copy so ASan catches any read past `len`.
      std::vector<uint8_t> cut(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_FALSE(Vp8PayloadDescriptor::parse(cut.data(), cut.size())) << len;
    }
    for (size_t len = full->size() + 1; len <= v->size(); ++len) {
      std::vector<uint8_t> cut(v->begin(), v->begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_TRUE(Vp8PayloadDescriptor::parse(cut.data(), cut.size())) << len;
    }
  }
  EXPECT_FALSE(Vp8PayloadDescriptor::parse(nullptr, 0));
}

TEST(Vp8PayloadDescriptorTest, RewritesLongPictureIdAndTl0InPlace) {
  std::vector<uint8_t> b = kFullInter;
  const auto d = Vp8PayloadDescriptor::parse(b.data(), b.size());
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->writePictureId(b.data(), b.size(), 0xFFFF));  // masked to 0x7FFF
  EXPECT_TRUE(d->writeTl0PicIdx(b.data(), b.size(), 0x01));
  EXPECT_EQ(b[2], 0xFF);
  EXPECT_EQ(b[3], 0xFF);
  EXPECT_EQ(b[4], 0x01);
  const auto r = Vp8PayloadDescriptor::parse(b.data(), b.size());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->pictureId(), 0x7FFF);
  EXPECT_TRUE(r->longPictureId());
  EXPECT_EQ(r->tl0PicIdx(), 0x01);
  EXPECT_EQ(r->tid(), 2);
  EXPECT_EQ(r->keyIdx(), 0x11);
  EXPECT_EQ(b[0], kFullInter[0]);
  EXPECT_EQ(b[5], kFullInter[5]);
}

TEST(Vp8PayloadDescriptorTest, RewritesShortPictureIdKeepingWidth) {
  std::vector<uint8_t> b = kShortPid;
  const auto d = Vp8PayloadDescriptor::parse(b.data(), b.size());
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->writePictureId(b.data(), b.size(), 0x1FF));  // masked to 7 bits
  EXPECT_EQ(b[2], 0x7F);
  EXPECT_FALSE(d->writeTl0PicIdx(b.data(), b.size(), 3));  // no TL0PICIDX field
  EXPECT_FALSE(d->writePictureId(b.data(), 2, 1));         // buffer too small
  const auto m = Vp8PayloadDescriptor::parse(kMinimalKey.data(), kMinimalKey.size());
  ASSERT_TRUE(m);
  std::vector<uint8_t> c = kMinimalKey;
  EXPECT_FALSE(m->writePictureId(c.data(), c.size(), 1));
  EXPECT_EQ(c, kMinimalKey);
}

}  // namespace
}  // namespace parley::media::codecs
