#include "record/Picture.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace parley::record {
namespace {

::testing::AssertionResult near(Picture::Colour got, Picture::Colour want, int tolerance = 0) {
  if (std::abs(got.y - want.y) <= tolerance && std::abs(got.u - want.u) <= tolerance &&
      std::abs(got.v - want.v) <= tolerance)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << int(got.y) << "/" << int(got.u) << "/" << int(got.v) << ", want "
         << int(want.y) << "/" << int(want.u) << "/" << int(want.v);
}

TEST(PictureTest, FromRgbIsBt601LimitedRange) {
  EXPECT_TRUE(near(Picture::fromRgb(0, 0, 0), {16, 128, 128}));
  EXPECT_TRUE(near(Picture::fromRgb(255, 255, 255), {235, 128, 128}));
  EXPECT_TRUE(near(Picture::fromRgb(255, 0, 0), {82, 90, 240}, 1));
  EXPECT_TRUE(near(Picture::fromRgb(0, 255, 0), {145, 54, 34}, 1));
  EXPECT_TRUE(near(Picture::fromRgb(0, 0, 255), {41, 240, 110}, 1));
  // Out-of-range input is clamped, not wrapped.
  EXPECT_TRUE(near(Picture::fromRgb(1000, 1000, 1000), {255, 128, 128}, 1));
}

TEST(PictureTest, SizesAreEvenAndTheDefaultIsBlack) {
  Picture p(5, 3);
  EXPECT_EQ(p.width(), 6);
  EXPECT_EQ(p.height(), 4);
  EXPECT_FALSE(p.empty());
  EXPECT_EQ(p.stride(0), 6);
  EXPECT_EQ(p.stride(1), 3);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 6; ++x) EXPECT_TRUE(near(p.at(x, y), {16, 128, 128})) << x << "," << y;
  EXPECT_TRUE(Picture().empty());
  Picture green(4, 4, Picture::fromRgb(0, 255, 0));
  EXPECT_TRUE(near(green.at(3, 3), Picture::fromRgb(0, 255, 0)));
}

TEST(PictureTest, FillRectPaintsOnlyTheRectangle) {
  Picture p(16, 12);
  const auto red = Picture::fromRgb(255, 0, 0);
  const auto black = Picture::fromRgb(0, 0, 0);
  p.fillRect(4, 2, 6, 4, red);
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 16; ++x) {
      const bool inside = x >= 4 && x < 10 && y >= 2 && y < 6;
      EXPECT_TRUE(near(p.at(x, y), inside ? red : black)) << x << "," << y;
    }
  // Chroma planes agree with the luma: a 2x2 block per chroma sample.
  EXPECT_EQ(p.plane(1)[1 * p.stride(1) + 2], red.u);
  EXPECT_EQ(p.plane(2)[1 * p.stride(2) + 2], red.v);
  EXPECT_EQ(p.plane(1)[0], black.u);
}

TEST(PictureTest, FillRectRoundsToEvenCornersAndClips) {
  Picture p(16, 12);
  const auto blue = Picture::fromRgb(0, 0, 255);
  const auto black = Picture::fromRgb(0, 0, 0);
  // Odd corners grow outwards to whole chroma blocks.
  p.fillRect(3, 3, 2, 2, blue);
  EXPECT_TRUE(near(p.at(2, 2), blue));
  EXPECT_TRUE(near(p.at(5, 5), blue));
  EXPECT_TRUE(near(p.at(1, 1), black));
  EXPECT_TRUE(near(p.at(6, 6), black));
  // Partly outside: clipped, no write out of bounds (ASan would see one).
  p.fillRect(-10, 8, 100, 100, blue);
  EXPECT_TRUE(near(p.at(0, 11), blue));
  EXPECT_TRUE(near(p.at(15, 8), blue));
  EXPECT_TRUE(near(p.at(15, 7), black));
  // Wholly outside or empty: nothing.
  Picture q(8, 8);
  q.fillRect(20, 20, 5, 5, blue);
  q.fillRect(2, 2, 0, -4, blue);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) EXPECT_TRUE(near(q.at(x, y), black)) << x << "," << y;
}

TEST(PictureTest, AtClampsToThePicture) {
  Picture p(4, 4);
  const auto red = Picture::fromRgb(255, 0, 0);
  p.fillRect(2, 2, 2, 2, red);
  EXPECT_TRUE(near(p.at(100, 100), red));
  EXPECT_TRUE(near(p.at(-5, -5), Picture::fromRgb(0, 0, 0)));
}

}  // namespace
}  // namespace parley::record
