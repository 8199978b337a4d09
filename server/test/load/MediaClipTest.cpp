#include "load/MediaClip.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "ClipTestSupport.h"
#include "load/AnnexB.h"

namespace parley::load {
namespace {

using test::readAll;
using test::shortClip;

std::vector<size_t> keyframeIndexes(const MediaClip& clip) {
  std::vector<size_t> indexes;
  for (size_t i = 0; i < clip.frames().size(); ++i)
    if (clip.frames()[i].keyframe) indexes.push_back(i);
  return indexes;
}

// Every prefix cut inside the file (at several places) is refused with a reason, never loaded
// as a shorter clip, since each of these cuts lands inside a frame or page.
void expectCutsRefused(const std::vector<uint8_t>& bytes, ClipCodec codec,
                       const std::vector<size_t>& cuts) {
  for (size_t cut : cuts) {
    ASSERT_LT(cut, bytes.size());
    std::string error;
    const auto clip = MediaClip::parse(std::span(bytes.data(), cut), codec, &error);
    EXPECT_FALSE(clip) << "cut at " << cut;
    EXPECT_FALSE(error.empty()) << "cut at " << cut;
  }
}

// Random bytes, random flips and cuts at every length of the head: never a crash (ASan checks
// the reads); the result is whatever it is.
void survivesDamage(const std::vector<uint8_t>& bytes, ClipCodec codec) {
  std::mt19937 random(7);
  for (size_t cut = 0; cut < std::min<size_t>(bytes.size(), 300); ++cut) {
    std::string error;
    MediaClip::parse(std::span(bytes.data(), cut), codec, &error);
  }
  for (int round = 0; round < 200; ++round) {
    std::vector<uint8_t> copy = bytes;
    for (int flips = 0; flips < 4; ++flips)
      copy[random() % std::min<size_t>(copy.size(), 4096)] = static_cast<uint8_t>(random());
    std::string error;
    const auto clip = MediaClip::parse(copy, codec, &error);
    if (!clip) EXPECT_FALSE(error.empty());
  }
}

TEST(MediaClipTest, ReadsVp8FromIvf) {
  const std::string path = shortClip(ClipCodec::Vp8);
  std::string error;
  const auto clip = MediaClip::load(path, ClipCodec::Vp8, &error);
  ASSERT_TRUE(clip) << error;
  EXPECT_EQ(clip->clockRate(), 90000u);
  EXPECT_EQ(clip->width(), 320);
  EXPECT_EQ(clip->height(), 240);
  ASSERT_EQ(clip->frames().size(), 120u);  // 4 s at 30 fps
  for (const ClipFrame& frame : clip->frames()) {
    EXPECT_EQ(frame.duration, 3000u);
    ASSERT_GE(frame.data.size(), 3u);
    EXPECT_EQ(frame.keyframe, (frame.data[0] & 1) == 0);
  }
  EXPECT_EQ(keyframeIndexes(*clip), (std::vector<size_t>{0, 60}));  // every 2 s
  EXPECT_EQ(clip->totalDuration(), 4u * 90000);
  EXPECT_NE(clip->frames()[1].data, clip->frames()[2].data);  // a moving picture
  EXPECT_EQ(clip->nextKeyframe(0), 0u);
  EXPECT_EQ(clip->nextKeyframe(1), 60u);
  EXPECT_EQ(clip->nextKeyframe(60), 60u);
  EXPECT_EQ(clip->nextKeyframe(61), 0u);  // wraps
  EXPECT_EQ(clip->nextKeyframe(500), 0u);
}

TEST(MediaClipTest, RefusesDamagedIvf) {
  const std::vector<uint8_t> bytes = readAll(shortClip(ClipCodec::Vp8));
  ASSERT_GT(bytes.size(), 1000u);
  expectCutsRefused(bytes, ClipCodec::Vp8, {0, 10, 31, 32 + 5, 32 + 12 + 7, bytes.size() - 1});

  std::string error;
  std::vector<uint8_t> copy = bytes;
  copy[0] = 'X';
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Vp8, &error));
  EXPECT_NE(error.find("IVF"), std::string::npos) << error;

  copy = bytes;
  std::memcpy(copy.data() + 8, "VP90", 4);
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Vp8, &error));

  copy = bytes;  // the first frame's size far beyond the file
  copy[32 + 3] = 0x7f;
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Vp8, &error));
  EXPECT_NE(error.find("cut short"), std::string::npos) << error;

  copy = bytes;  // the key frame's start code broken
  copy[32 + 12 + 3] ^= 0xff;
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Vp8, &error));

  copy = bytes;  // every frame marked as an inter frame: no keyframe left
  for (size_t pos = 32; pos + 12 < copy.size();) {
    const size_t size = copy[pos] | copy[pos + 1] << 8 | copy[pos + 2] << 16;
    copy[pos + 12] |= 1;
    pos += 12 + size;
  }
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Vp8, &error));
  EXPECT_EQ(error, "no keyframe");

  survivesDamage(bytes, ClipCodec::Vp8);
}

TEST(MediaClipTest, ReadsH264AccessUnits) {
  const std::string path = shortClip(ClipCodec::H264);
  std::string error;
  const auto clip = MediaClip::load(path, ClipCodec::H264, &error);
  ASSERT_TRUE(clip) << error;
  EXPECT_EQ(clip->clockRate(), 90000u);
  EXPECT_EQ(clip->width(), 320);  // from the SPS
  EXPECT_EQ(clip->height(), 240);
  ASSERT_EQ(clip->frames().size(), 120u);
  EXPECT_EQ(keyframeIndexes(*clip), (std::vector<size_t>{0, 60}));
  for (const ClipFrame& frame : clip->frames()) {
    EXPECT_EQ(frame.duration, 3000u);
    // Annex B, beginning with the access unit delimiter; a keyframe carries SPS, PPS and IDR.
    std::vector<std::span<const uint8_t>> nals;
    ASSERT_TRUE(AnnexB::split(frame.data, nals));
    ASSERT_GE(nals.size(), 2u);
    EXPECT_EQ(nals[0][0] & 0x1f, 9);
    bool sps = false, idr = false;
    int slicesStartingPicture = 0;
    for (const auto& nal : nals) {
      sps |= (nal[0] & 0x1f) == 7;
      idr |= (nal[0] & 0x1f) == 5;
      if (((nal[0] & 0x1f) == 1 || (nal[0] & 0x1f) == 5) && (nal[1] & 0x80))
        ++slicesStartingPicture;
    }
    EXPECT_EQ(sps, frame.keyframe);
    EXPECT_EQ(idr, frame.keyframe);
    EXPECT_EQ(slicesStartingPicture, 1);
  }

  const auto at25 = MediaClip::load(path, ClipCodec::H264, &error, 25);
  ASSERT_TRUE(at25) << error;
  EXPECT_EQ(at25->frames()[0].duration, 3600u);
  EXPECT_FALSE(MediaClip::load(path, ClipCodec::H264, &error, 0));
}

TEST(MediaClipTest, SplitsH264WithoutDelimitersAtTheFirstSliceOfAPicture) {
  const std::vector<uint8_t> bytes = readAll(shortClip(ClipCodec::H264));
  std::vector<std::span<const uint8_t>> nals;
  ASSERT_TRUE(AnnexB::split(bytes, nals));
  std::vector<uint8_t> withoutAud;
  for (const auto& nal : nals) {
    if ((nal[0] & 0x1f) == 9) continue;
    withoutAud.insert(withoutAud.end(), {0, 0, 1});
    withoutAud.insert(withoutAud.end(), nal.begin(), nal.end());
  }
  std::string error;
  const auto with = MediaClip::parse(bytes, ClipCodec::H264, &error);
  ASSERT_TRUE(with) << error;
  const auto without = MediaClip::parse(withoutAud, ClipCodec::H264, &error);
  ASSERT_TRUE(without) << error;
  ASSERT_EQ(without->frames().size(), with->frames().size());
  for (size_t i = 0; i < with->frames().size(); ++i) {
    // The same access unit minus its 6-byte delimiter (start code, header, primary_pic_type).
    const auto& a = with->frames()[i].data;
    const auto& b = without->frames()[i].data;
    ASSERT_EQ(a.size(), b.size() + 6) << i;
    EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin() + 6)) << i;
    EXPECT_EQ(with->frames()[i].keyframe, without->frames()[i].keyframe);
  }
}

TEST(MediaClipTest, RefusesDamagedH264) {
  const std::vector<uint8_t> bytes = readAll(shortClip(ClipCodec::H264));
  std::string error;
  // Cut before the first slice: delimiter and parameter sets but no picture.
  EXPECT_FALSE(MediaClip::parse(std::span(bytes.data(), 30), ClipCodec::H264, &error));
  EXPECT_NE(error.find("no slice"), std::string::npos) << error;

  std::vector<uint8_t> copy = bytes;
  copy[0] = 0x47;  // not a start code
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::H264, &error));
  copy = bytes;
  copy[4] |= 0x80;  // forbidden_zero_bit
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::H264, &error));

  // A stream with its IDR slices turned into non-IDR ones has no keyframe.
  copy = bytes;
  for (size_t i = 0; i + 3 < copy.size(); ++i)
    if (copy[i] == 0 && copy[i + 1] == 0 && copy[i + 2] == 1 && (copy[i + 3] & 0x1f) == 5)
      copy[i + 3] = static_cast<uint8_t>((copy[i + 3] & 0xe0) | 1);
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::H264, &error));
  EXPECT_EQ(error, "no keyframe");

  survivesDamage(bytes, ClipCodec::H264);
}

TEST(MediaClipTest, ReadsOpusFromOgg) {
  const std::string path = shortClip(ClipCodec::Opus);
  std::string error;
  const auto clip = MediaClip::load(path, ClipCodec::Opus, &error);
  ASSERT_TRUE(clip) << error;
  EXPECT_EQ(clip->clockRate(), 48000u);
  EXPECT_EQ(clip->width(), 0);
  // 4 s of 20 ms packets, plus one for the encoder's pre-skip.
  EXPECT_GE(clip->frames().size(), 200u);
  EXPECT_LE(clip->frames().size(), 201u);
  for (const ClipFrame& frame : clip->frames()) {
    EXPECT_EQ(frame.duration, 960u);
    EXPECT_TRUE(frame.keyframe);
    EXPECT_NE(std::string(frame.data.begin(), frame.data.end()).substr(0, 4), "Opus");
  }
  EXPECT_EQ(clip->nextKeyframe(7), 7u);
}

TEST(MediaClipTest, RefusesDamagedOgg) {
  const std::vector<uint8_t> bytes = readAll(shortClip(ClipCodec::Opus));
  ASSERT_GT(bytes.size(), 2000u);
  expectCutsRefused(bytes, ClipCodec::Opus, {0, 20, 40, 200, bytes.size() / 2, bytes.size() - 1});
  std::string error;
  std::vector<uint8_t> copy = bytes;
  copy[bytes.size() / 2] ^= 0x01;  // one bit in a page
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Opus, &error));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;
  copy = bytes;
  copy[28] = 'X';  // OpusHead's first letter: the checksum fails first
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Opus, &error));
  // A page left out (pages hold whole packets here, so only the sequence number tells).
  std::vector<size_t> pages;
  for (size_t pos = 0; pos + 27 <= bytes.size();) {
    pages.push_back(pos);
    size_t size = 27 + bytes[pos + 26];
    for (size_t i = 0; i < bytes[pos + 26]; ++i) size += bytes[pos + 27 + i];
    pos += size;
  }
  ASSERT_GT(pages.size(), 6u);
  copy = bytes;
  copy.erase(copy.begin() + pages[4], copy.begin() + pages[5]);
  EXPECT_FALSE(MediaClip::parse(copy, ClipCodec::Opus, &error));
  EXPECT_NE(error.find("missing"), std::string::npos) << error;
  EXPECT_FALSE(MediaClip::parse(bytes, ClipCodec::Vp8, &error));  // wrong codec
  EXPECT_FALSE(MediaClip::parse(bytes, ClipCodec::H264, &error));
  survivesDamage(bytes, ClipCodec::Opus);
}

TEST(MediaClipTest, OpusDurationsFollowTheTocByte) {
  using Bytes = std::vector<uint8_t>;
  auto samples = [](const Bytes& packet) { return MediaClip::opusPacketSamples(packet); };
  EXPECT_EQ(samples({}), 0u);
  EXPECT_EQ(samples({0 << 3}), 480u);                    // SILK 10 ms
  EXPECT_EQ(samples({3 << 3}), 2880u);                   // SILK 60 ms
  EXPECT_EQ(samples({13 << 3}), 960u);                   // hybrid 20 ms
  EXPECT_EQ(samples({16 << 3}), 120u);                   // CELT 2.5 ms
  EXPECT_EQ(samples({31 << 3}), 960u);                   // CELT 20 ms
  EXPECT_EQ(samples({31 << 3 | 1, 0xaa, 0xbb}), 1920u);  // code 1: two equal frames
  EXPECT_EQ(samples({31 << 3 | 1, 0xaa}), 0u);           // ... of unequal length
  EXPECT_EQ(samples({31 << 3 | 2, 0x01, 0xaa}), 1920u);  // code 2
  EXPECT_EQ(samples({31 << 3 | 3, 0x03}), 2880u);        // code 3: three frames
  EXPECT_EQ(samples({31 << 3 | 3, 0x06}), 5760u);        // 120 ms, the longest
  EXPECT_EQ(samples({31 << 3 | 3, 0x07}), 0u);           // over 120 ms
  EXPECT_EQ(samples({16 << 3 | 3, 0xf0}), 5760u);        // 48 x 2.5 ms (VBR, padding)
  EXPECT_EQ(samples({16 << 3 | 3, 0x31}), 0u);           // 49 frames
  EXPECT_EQ(samples({31 << 3 | 3, 0x00}), 0u);           // no frame
  EXPECT_EQ(samples({31 << 3 | 3}), 0u);                 // count byte missing
}

TEST(MediaClipTest, LoadReportsMissingFiles) {
  std::string error;
  EXPECT_FALSE(MediaClip::load("/nonexistent/clip.ivf", ClipCodec::Vp8, &error));
  EXPECT_NE(error.find("/nonexistent/clip.ivf"), std::string::npos);
  EXPECT_FALSE(MediaClip::parse({}, ClipCodec::Opus, nullptr));  // a null error is fine
}

}  // namespace
}  // namespace parley::load
