#include "http/ByteRange.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::http {
namespace {

using Kind = ByteRange::Kind;

struct Expect {
  const char* header;
  std::uint64_t size;
  Kind kind;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

void check(const Expect& e) {
  const auto r = ByteRange::parse(std::string_view(e.header), e.size);
  EXPECT_EQ(r.kind, e.kind) << '"' << e.header << "\" size " << e.size;
  if (e.kind == Kind::Partial && r.kind == Kind::Partial) {
    EXPECT_EQ(r.first, e.first) << e.header;
    EXPECT_EQ(r.last, e.last) << e.header;
    EXPECT_EQ(r.length(), e.last - e.first + 1) << e.header;
  }
}

TEST(ByteRangeTest, NoHeaderIsTheWholeBody) {
  EXPECT_EQ(ByteRange::parse(std::nullopt, 100).kind, Kind::Full);
  EXPECT_EQ(ByteRange::parse(std::nullopt, 0).kind, Kind::Full);
}

TEST(ByteRangeTest, ClosedOpenAndSuffixRanges) {
  for (const Expect& e : {
           Expect{"bytes=0-499", 10000, Kind::Partial, 0, 499},
           Expect{"bytes=500-999", 10000, Kind::Partial, 500, 999},
           Expect{"bytes=9500-", 10000, Kind::Partial, 9500, 9999},
           Expect{"bytes=0-0", 10000, Kind::Partial, 0, 0},
           Expect{"bytes=-500", 10000, Kind::Partial, 9500, 9999},
           Expect{"bytes=-1", 10000, Kind::Partial, 9999, 9999},
           Expect{"bytes=0-", 1, Kind::Partial, 0, 0},
       })
    check(e);
}

TEST(ByteRangeTest, RangesPastTheEndAreClamped) {
  check({"bytes=9000-20000", 10000, Kind::Partial, 9000, 9999});
  check({"bytes=-20000", 10000, Kind::Partial, 0, 9999});
  // Numbers beyond 64 bits saturate rather than wrap.
  check({"bytes=5-99999999999999999999999999", 10000, Kind::Partial, 5, 9999});
  check({"bytes=-99999999999999999999999999", 10000, Kind::Partial, 0, 9999});
  check({"bytes=18446744073709551615-", 10000, Kind::Unsatisfiable});
  check({"bytes=18446744073709551616-", 10000, Kind::Unsatisfiable});
}

TEST(ByteRangeTest, StartingAtOrPastTheEndIsUnsatisfiable) {
  check({"bytes=10000-", 10000, Kind::Unsatisfiable});
  check({"bytes=10000-10005", 10000, Kind::Unsatisfiable});
  check({"bytes=-0", 10000, Kind::Unsatisfiable});
  check({"bytes=0-", 0, Kind::Unsatisfiable});
  check({"bytes=-5", 0, Kind::Unsatisfiable});
}

TEST(ByteRangeTest, UnitIsCaseInsensitiveAndOuterSpaceIsAllowed) {
  check({"Bytes=1-2", 10, Kind::Partial, 1, 2});
  check({"BYTES=1-2", 10, Kind::Partial, 1, 2});
  check({"  bytes=1-2\t", 10, Kind::Partial, 1, 2});
  check({"bytes= 1-2", 10, Kind::Partial, 1, 2});
}

TEST(ByteRangeTest, WhatCannotBeServedAsOneRangeIsTheWholeBody) {
  for (const char* header : {"",
                             "bytes",
                             "bytes=",
                             "bytes=-",
                             "bytes=5",
                             "bytes=a-b",
                             "bytes=1-x",
                             "bytes=1 -2",
                             "bytes=1- 2",
                             "bytes=+1-2",
                             "bytes=1-2-3",
                             "bytes=5-4",
                             "bytes=0x10-",
                             "items=0-5",
                             "byte=0-5",
                             "bytes 0-5",
                             "bytes=0-1,5-9",
                             "bytes=0-1, 5-9",
                             "bytes=0-1,",
                             "=0-1",
                             "bytes=--5"})
    check({header, 10000, Kind::Full});
  // Several ranges are answered whole even when some are unsatisfiable.
  check({"bytes=20000-,0-1", 10000, Kind::Full});
}

TEST(ByteRangeTest, OversizedHeadersAreIgnored) {
  std::string header = "bytes=" + std::string(ByteRange::kMaxHeaderLength, '0') + "1-2";
  check({header.c_str(), 10, Kind::Full});
  std::string fits = "bytes=1-" + std::string(ByteRange::kMaxHeaderLength - 9, '0') + "2";
  ASSERT_EQ(fits.size(), ByteRange::kMaxHeaderLength);
  check({fits.c_str(), 10, Kind::Partial, 1, 2});
}

}  // namespace
}  // namespace parley::http
