#include "media/codecs/H264Sps.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::media::codecs {
namespace {

std::vector<std::uint8_t> fromHex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::optional<H264Sps> parseHex(const std::string& hex) {
  const auto bytes = fromHex(hex);
  return H264Sps::parse(bytes.data(), bytes.size());
}

// SPS NAL units written by Debian's ffmpeg 5.1 with libx264 (-frames:v 1 -bsf:v
// h264_mp4toannexb), as the comment before each says; ffprobe read the sizes.
// testsrc=size=640x360, -profile:v baseline: 40x23 macroblocks, 8 rows cropped.
const std::string kBaseline640x360 = "6742c01ed900a02ff97011000003000100000300320f162e48";
// testsrc=size=640x360, -profile:v high.
const std::string kHigh640x360 = "6764001eacd940a02ff97011000003000100000300320f162d96";
// testsrc=size=322x242, -profile:v high: 21x16 macroblocks, cropped on both axes.
const std::string kHigh322x242 = "6764000dacd94150878888c044000003000400000300c83c50a658";
// testsrc=size=1280x720, -profile:v main.
const std::string kMain1280x720 = "674d401feca02802dd80880000030008000003019078c18cb0";
// testsrc=size=322x242, -profile:v high444 -pix_fmt yuv444p: chroma format 3 (crop units
// of one pixel).
const std::string kHigh444With322x242 = "67f4000d919b282a10f1f1f808800000030080000019078a14cb";
// testsrc=size=322x244, -profile:v high -x264-params interlaced=1: field coding, so map
// units are pairs of macroblock rows and vertical crop units are 4 rows.
const std::string kInterlaced322x244 = "67640015acd941510f11260220000003002000000643e28532c0";

TEST(H264SpsTest, ReadsTheCroppedSizeOfRealEncoderOutput) {
  struct Case {
    const std::string* hex;
    int width;
    int height;
    int profile;
    unsigned chroma;
    bool frameMbsOnly;
  };
  const Case cases[] = {
      {&kBaseline640x360, 640, 360, 66, 1, true},
      {&kHigh640x360, 640, 360, 100, 1, true},
      {&kHigh322x242, 322, 242, 100, 1, true},
      {&kMain1280x720, 1280, 720, 77, 1, true},
      {&kHigh444With322x242, 322, 242, 244, 3, true},
      {&kInterlaced322x244, 322, 244, 100, 1, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(*c.hex);
    const auto sps = parseHex(*c.hex);
    ASSERT_TRUE(sps);
    EXPECT_EQ(sps->width(), c.width);
    EXPECT_EQ(sps->height(), c.height);
    EXPECT_EQ(sps->profileIdc(), c.profile);
    EXPECT_EQ(sps->chromaFormatIdc(), c.chroma);
    EXPECT_EQ(sps->frameMbsOnly(), c.frameMbsOnly);
  }
  EXPECT_EQ(parseHex(kBaseline640x360)->levelIdc(), 30);
  EXPECT_EQ(parseHex(kBaseline640x360)->constraintFlags(), 0xc0);
}

// Writes an SPS bit by bit, then inserts emulation-prevention bytes as an encoder must.
class SpsWriter {
 public:
  void bits(std::uint64_t value, int n) {
    for (int i = n - 1; i >= 0; --i) bit((value >> i) & 1);
  }
  void ue(std::uint64_t value) {
    const std::uint64_t v = value + 1;
    int length = 0;
    while ((v >> length) > 1) ++length;
    bits(0, length);
    bits(v, length + 1);
  }
  void se(std::int64_t value) {
    ue(value > 0 ? static_cast<std::uint64_t>(2 * value - 1)
                 : static_cast<std::uint64_t>(-2 * value));
  }
  // The NAL unit: header, escaped RBSP with its stop bit.
  std::vector<std::uint8_t> nal() {
    std::vector<std::uint8_t> rbsp = bytes_;
    std::uint8_t last = current_;
    int used = used_;
    last = static_cast<std::uint8_t>(last | (1u << (7 - used)));  // rbsp_stop_one_bit
    rbsp.push_back(last);
    std::vector<std::uint8_t> out = {0x67};
    int zeros = 0;
    for (std::uint8_t b : rbsp) {
      if (zeros >= 2 && b <= 3) {
        out.push_back(0x03);
        zeros = 0;
      }
      out.push_back(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    return out;
  }

 private:
  void bit(std::uint64_t b) {
    current_ = static_cast<std::uint8_t>(current_ | (b << (7 - used_)));
    if (++used_ == 8) {
      bytes_.push_back(current_);
      current_ = 0;
      used_ = 0;
    }
  }
  std::vector<std::uint8_t> bytes_;
  std::uint8_t current_ = 0;
  int used_ = 0;
};

// A baseline SPS with the given fields; `refFrames` is a free ue(v) field that can be made
// long enough to put two zero bytes in a row, which the writer then escapes.
// With `scalingDelta`, a high-profile SPS whose first scaling list is present, its first
// delta that value.
std::vector<std::uint8_t> baselineSps(std::uint64_t refFrames, std::uint32_t widthMbs,
                                      std::uint32_t heightMbs, std::uint32_t cropBottom,
                                      std::optional<int> scalingDelta = std::nullopt) {
  SpsWriter w;
  w.bits(scalingDelta ? 100 : 66, 8);  // profile_idc
  w.bits(0, 8);                        // constraint flags
  w.bits(30, 8);                       // level_idc
  w.ue(0);                             // seq_parameter_set_id
  if (scalingDelta) {
    w.ue(1);       // chroma_format_idc 4:2:0
    w.ue(0);       // bit_depth_luma_minus8
    w.ue(0);       // bit_depth_chroma_minus8
    w.bits(0, 1);  // qpprime_y_zero_transform_bypass_flag
    w.bits(1, 1);  // seq_scaling_matrix_present_flag
    // List 0 (4x4) present: 16 deltas; list 1 present but "use default" (next scale 0 at
    // once); list 6 (8x8) present: 64 deltas; the others absent.
    w.bits(1, 1);
    w.se(*scalingDelta);
    for (int j = 1; j < 16; ++j) w.se(j % 2 ? 3 : -3);
    w.bits(1, 1);
    w.se(-8);
    for (int i = 2; i < 6; ++i) w.bits(0, 1);
    w.bits(1, 1);
    for (int j = 0; j < 64; ++j) w.se(1);
    w.bits(0, 1);
  }
  w.ue(0);  // log2_max_frame_num_minus4
  w.ue(2);  // pic_order_cnt_type
  w.ue(refFrames);
  w.bits(0, 1);  // gaps_in_frame_num_value_allowed_flag
  w.ue(widthMbs - 1);
  w.ue(heightMbs - 1);
  w.bits(1, 1);  // frame_mbs_only_flag
  w.bits(1, 1);  // direct_8x8_inference_flag
  w.bits(cropBottom ? 1 : 0, 1);
  if (cropBottom) {
    w.ue(0);
    w.ue(0);
    w.ue(0);
    w.ue(cropBottom);
  }
  w.bits(0, 1);  // vui_parameters_present_flag
  return w.nal();
}

TEST(H264SpsTest, SkipsEmulationPreventionBytes) {
  // A reference frame count of 2^25 - 1 is nonsense but a valid code: 25 zero bits, then a
  // one at the end of the next byte, so the writer escapes two zero bytes before it.
  const auto nal = baselineSps((std::uint64_t{1} << 25) - 1, 20, 15, 4);
  int escapes = 0;
  for (std::size_t i = 2; i < nal.size(); ++i)
    escapes += nal[i] == 3 && nal[i - 1] == 0 && nal[i - 2] == 0;
  ASSERT_GE(escapes, 1) << "the SPS needs escaping for the test to mean anything";
  const auto sps = H264Sps::parse(nal.data(), nal.size());
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->width(), 320);
  EXPECT_EQ(sps->height(), 240 - 8);  // 4 chroma rows of 4:2:0
}

TEST(H264SpsTest, ReadsPastScalingListsOfHighProfiles) {
  const auto nal = baselineSps(1, 80, 45, 0, 5);
  const auto sps = H264Sps::parse(nal.data(), nal.size());
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->profileIdc(), 100);
  EXPECT_EQ(sps->width(), 1280);
  EXPECT_EQ(sps->height(), 720);
  // A delta outside -128..127 is no scaling list.
  const auto bad = baselineSps(1, 80, 45, 0, 200);
  EXPECT_FALSE(H264Sps::parse(bad.data(), bad.size()));
}

TEST(H264SpsTest, RefusesWhatIsNotAWholeSaneSps) {
  const auto good = fromHex(kHigh322x242);
  // Not an SPS: a PPS header, and the forbidden bit.
  auto pps = good;
  pps[0] = 0x68;
  EXPECT_FALSE(H264Sps::parse(pps.data(), pps.size()));
  auto forbidden = good;
  forbidden[0] |= 0x80;
  EXPECT_FALSE(H264Sps::parse(forbidden.data(), forbidden.size()));
  EXPECT_FALSE(H264Sps::parse(nullptr, 0));
  // Cut anywhere before the cropping fields end: the reads run out. (The 11th byte holds the
  // last of them; what follows is the VUI, which is not read.)
  for (std::size_t n = 0; n < 11; ++n)
    EXPECT_FALSE(H264Sps::parse(good.data(), n)) << "cut at " << n;
  EXPECT_TRUE(H264Sps::parse(good.data(), 11));

  // Sizes beyond the bound, cropping that eats the picture.
  auto huge = baselineSps(1, H264Sps::kMaxSide / 16 + 1, 10, 0);
  EXPECT_FALSE(H264Sps::parse(huge.data(), huge.size()));
  auto edge = baselineSps(1, H264Sps::kMaxSide / 16, H264Sps::kMaxSide / 16, 0);
  ASSERT_TRUE(H264Sps::parse(edge.data(), edge.size()));
  EXPECT_EQ(H264Sps::parse(edge.data(), edge.size())->width(), H264Sps::kMaxSide);
  auto cropped = baselineSps(1, 20, 15, 120);  // 240 rows of 15 macroblocks
  EXPECT_FALSE(H264Sps::parse(cropped.data(), cropped.size()));
  auto almost = baselineSps(1, 20, 15, 119);
  ASSERT_TRUE(H264Sps::parse(almost.data(), almost.size()));
  EXPECT_EQ(H264Sps::parse(almost.data(), almost.size())->height(), 2);
}

}  // namespace
}  // namespace parley::media::codecs
