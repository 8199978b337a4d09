#include "load/ClipCodec.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::load {
namespace {

TEST(ClipCodecTest, NamesRoundTrip) {
  for (ClipCodec codec : {ClipCodec::Vp8, ClipCodec::H264, ClipCodec::Opus})
    EXPECT_EQ(clipCodecNamed(clipCodecName(codec)), codec);
  EXPECT_EQ(std::string(clipCodecName(ClipCodec::H264)), "h264");
  EXPECT_EQ(clipCodecNamed("VP8"), ClipCodec::Vp8);
  EXPECT_FALSE(clipCodecNamed("vp9"));
  EXPECT_FALSE(clipCodecNamed(""));
  EXPECT_FALSE(clipCodecNamed("opus "));
}

}  // namespace
}  // namespace parley::load
