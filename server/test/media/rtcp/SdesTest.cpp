#include "media/rtcp/Sdes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::media::rtcp {
namespace {

// SDES, SC 2:
//   chunk 1: SSRC 0x01020304, CNAME "user", NAME "Al", terminator + 2 pad → 16 bytes
//   chunk 2: SSRC 0x05060708, CNAME "xyz", terminator → 4 + 5 + 1 = 10 → pad to 12
const std::vector<uint8_t> kSdes = {
    0x82, 0xCA, 0x00, 0x07,            // V=2 SC=2 PT=202 length 7 (32 bytes)
    0x01, 0x02, 0x03, 0x04,            // SSRC 1
    0x01, 0x04, 'u',  's',  'e', 'r',  // CNAME "user"
    0x02, 0x02, 'A',  'l',             // NAME "Al"
    0x00, 0x00,                        // terminator, pad
    0x05, 0x06, 0x07, 0x08,            // SSRC 2
    0x01, 0x03, 'x',  'y',  'z',       // CNAME "xyz"
    0x00, 0x00, 0x00,                  // terminator, pad
};

TEST(SdesTest, ParsesChunksAndItems) {
  ASSERT_EQ(kSdes.size(), 32u);
  const auto sdes = Sdes::parse(kSdes.data(), kSdes.size());
  ASSERT_TRUE(sdes);
  EXPECT_EQ(sdes->chunkCount(), 2u);
  EXPECT_EQ(sdes->cname(0x01020304), "user");
  EXPECT_EQ(sdes->cname(0x05060708), "xyz");
  EXPECT_FALSE(sdes->cname(0x99));
  std::vector<std::string> seen;
  sdes->forEachItem([&](const Sdes::Item& item) {
    seen.push_back(std::to_string(item.ssrc) + "/" + std::to_string(item.type) + "/" +
                   std::string(item.text));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"16909060/1/user", "16909060/2/Al", "84281096/1/xyz"}));
}

TEST(SdesTest, RejectsTruncationAndOverruns) {
  for (size_t n = 0; n < kSdes.size(); ++n) EXPECT_FALSE(Sdes::parse(kSdes.data(), n)) << n;
  auto bytes = kSdes;
  bytes[9] = 0x20;  // CNAME length past the end
  EXPECT_FALSE(Sdes::parse(bytes.data(), bytes.size()));
  bytes = kSdes;
  bytes[0] = 0x83;  // three chunks claimed
  EXPECT_FALSE(Sdes::parse(bytes.data(), bytes.size()));
}

TEST(SdesTest, BuildCnameRoundTrip) {
  uint8_t out[64];
  for (const std::string cname : {"", "a", "ab", "abc", "abcd", "parley-cname-0123"}) {
    const size_t n = Sdes::buildCname(out, sizeof out, 42, cname);
    ASSERT_GT(n, 0u);
    EXPECT_EQ(n % 4, 0u);
    const auto sdes = Sdes::parse(out, n);
    ASSERT_TRUE(sdes) << cname;
    EXPECT_EQ(sdes->cname(42), cname);
    for (size_t cap = 0; cap < n; ++cap) EXPECT_EQ(Sdes::buildCname(out, cap, 42, cname), 0u);
  }
}

}  // namespace
}  // namespace parley::media::rtcp
