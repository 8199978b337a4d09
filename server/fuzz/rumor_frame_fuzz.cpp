// RumorFrame::parse on arbitrary bytes. The encoding is canonical, so anything accepted must
// serialise back to the input byte for byte (apart from the reserved field, always written as
// 00 00) and parse again to the same frame.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "signaling/RumorFrame.h"

namespace {

bool sameFrame(const parley::signaling::RumorFrame& a, const parley::signaling::RumorFrame& b) {
  return a.type == b.type && a.addresses == b.addresses && a.headers == b.headers &&
         a.payload == b.payload;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::signaling::RumorFrame;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Small limits too, so the count and size checks are reached with short inputs.
  RumorFrame::Limits tight;
  tight.maxFrameBytes = 64;
  tight.maxAddresses = 2;
  tight.maxHeaders = 2;
  const auto strict = RumorFrame::parse(input, tight);

  std::string error;
  const auto frame = RumorFrame::parse(input, RumorFrame::Limits{}, &error);
  if (!frame) {
    if (error.empty() || strict) __builtin_trap();  // tighter limits cannot accept more
    return 0;
  }
  if (strict && !sameFrame(*strict, *frame)) __builtin_trap();

  std::string expected(input);
  expected[4] = expected[5] = '\0';
  const std::string bytes = frame->serialize();
  if (bytes != expected) __builtin_trap();
  const auto again = RumorFrame::parse(bytes, RumorFrame::Limits{});
  if (!again || !sameFrame(*again, *frame)) __builtin_trap();

  // Lookup agrees with a plain scan for the last occurrence.
  for (const auto& [key, value] : frame->headers) {
    std::string_view last;
    for (const auto& [k, v] : frame->headers)
      if (k == key) last = v;
    const auto found = frame->header(key);
    if (!found || *found != last) __builtin_trap();
  }
  return 0;
}
