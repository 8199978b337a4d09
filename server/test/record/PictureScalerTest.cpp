#include "record/PictureScaler.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace parley::record {
namespace {

::testing::AssertionResult near(Picture::Colour got, Picture::Colour want, int tolerance) {
  if (std::abs(got.y - want.y) <= tolerance && std::abs(got.u - want.u) <= tolerance &&
      std::abs(got.v - want.v) <= tolerance)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "got " << int(got.y) << "/" << int(got.u) << "/" << int(got.v) << ", want "
         << int(want.y) << "/" << int(want.u) << "/" << int(want.v);
}

const Picture::Colour kRed = Picture::fromRgb(255, 0, 0);
const Picture::Colour kBlue = Picture::fromRgb(0, 0, 255);
const Picture::Colour kGreen = Picture::fromRgb(0, 255, 0);

// 64x32: left half red, right half blue.
Picture twoColours() {
  Picture p(64, 32, kRed);
  p.fillRect(32, 0, 32, 32, kBlue);
  return p;
}

TEST(PictureScalerTest, ScalesIntoASubRectangleAndLeavesTheRestAlone) {
  const Picture source = twoColours();
  Picture target(320, 240, kGreen);
  PictureScaler scaler;
  ASSERT_TRUE(scaler.scale(source, {0, 0, 64, 32}, target, {100, 60, 128, 64}));
  // Inside, away from the seam: the colours where they were, stretched 2x.
  for (int y : {62, 90, 122}) {
    EXPECT_TRUE(near(target.at(102, y), kRed, 3)) << y;
    EXPECT_TRUE(near(target.at(150, y), kRed, 3)) << y;
    EXPECT_TRUE(near(target.at(180, y), kBlue, 3)) << y;
    EXPECT_TRUE(near(target.at(226, y), kBlue, 3)) << y;
  }
  // Outside the rectangle: untouched, exactly.
  for (auto [x, y] : {std::pair{99, 90}, std::pair{228, 90}, std::pair{150, 59},
                      std::pair{150, 124}, std::pair{0, 0}, std::pair{319, 239}})
    EXPECT_TRUE(near(target.at(x, y), kGreen, 0)) << x << "," << y;
}

TEST(PictureScalerTest, APartOfTheSourceFillsTheTarget) {
  const Picture source = twoColours();
  Picture target(64, 48, kGreen);
  PictureScaler scaler;
  ASSERT_TRUE(scaler.scale(source, {32, 0, 32, 32}, target, {0, 0, 64, 48}));
  for (int y = 0; y < 48; y += 7)
    for (int x = 0; x < 64; x += 7) EXPECT_TRUE(near(target.at(x, y), kBlue, 3)) << x << "," << y;
  // The context is kept or rebuilt as sizes change: a second, different call works too.
  ASSERT_TRUE(scaler.scale(source, {0, 0, 32, 32}, target, {0, 0, 16, 16}));
  EXPECT_TRUE(near(target.at(8, 8), kRed, 3));
  EXPECT_TRUE(near(target.at(40, 30), kBlue, 3));
}

TEST(PictureScalerTest, EmptyOrOutsideRectanglesDoNothing) {
  const Picture source = twoColours();
  Picture target(64, 48, kGreen);
  PictureScaler scaler;
  EXPECT_FALSE(scaler.scale(source, {0, 0, 64, 32}, target, {0, 0, 1, 1}));
  EXPECT_FALSE(scaler.scale(source, {0, 0, 64, 32}, target, {100, 100, 10, 10}));
  EXPECT_FALSE(scaler.scale(source, {70, 0, 10, 10}, target, {0, 0, 64, 48}));
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x) ASSERT_TRUE(near(target.at(x, y), kGreen, 0)) << x << "," << y;
  // Partly outside: clipped to the target.
  ASSERT_TRUE(scaler.scale(source, {0, 0, 64, 32}, target, {32, 24, 64, 48}));
  EXPECT_TRUE(near(target.at(34, 26), kRed, 3));
  EXPECT_TRUE(near(target.at(30, 22), kGreen, 0));
}

}  // namespace
}  // namespace parley::record
