#include "http/OutputBuffer.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::http {
namespace {

// Drains the buffer as the session does, `most` bytes per write at most.
std::string drain(OutputBuffer& out, std::size_t most = SIZE_MAX) {
  std::string written;
  while (!out.empty()) {
    std::string_view chunk = out.front();
    EXPECT_FALSE(chunk.empty());
    EXPECT_LE(chunk.size(), OutputBuffer::kBlockBytes) << "one write takes one block at most";
    chunk = chunk.substr(0, std::min(most, chunk.size()));
    written.append(chunk);
    out.consume(chunk.size());
  }
  return written;
}

TEST(OutputBufferTest, GivesBackWhatWasAppendedInOrder) {
  OutputBuffer out;
  std::string expected;
  for (int i = 0; i < 5000; ++i) {
    std::string piece = std::to_string(i) + std::string(static_cast<std::size_t>(i % 300), 'x');
    out.append(piece);
    expected += piece;
  }
  EXPECT_EQ(out.size(), expected.size());
  EXPECT_EQ(drain(out, 1000), expected);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(out.size(), 0u);
}

TEST(OutputBufferTest, AppendsNeverMoveTheBytesAWriteIsReading) {
  OutputBuffer out;
  out.append(std::string(100, 'a'));
  const std::string_view writing = out.front();  // a write takes the front block…
  const char* before = writing.data();
  // …and meanwhile a fan-out appends megabytes.
  for (int i = 0; i < 100; ++i) out.append(std::string(32 * 1024, 'b'));
  EXPECT_EQ(out.front().data(), before) << "the block in flight stayed where it was";
  EXPECT_EQ(std::string(writing), std::string(100, 'a'));
  out.consume(writing.size());
  EXPECT_EQ(drain(out), std::string(100 * 32 * 1024, 'b'));
}

TEST(OutputBufferTest, ALargeAppendSpansBlocks) {
  OutputBuffer out;
  const std::string big(3 * OutputBuffer::kBlockBytes + 17, 'z');
  out.append(big);
  EXPECT_EQ(out.front().size(), OutputBuffer::kBlockBytes);
  EXPECT_EQ(drain(out), big);
}

TEST(OutputBufferTest, ClearForgetsEverything) {
  OutputBuffer out;
  out.append("abc");
  out.clear();
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(out.front().empty());
  out.append("def");
  EXPECT_EQ(drain(out), "def");
}

}  // namespace
}  // namespace parley::http
