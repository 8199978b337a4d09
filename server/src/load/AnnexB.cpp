#include "load/AnnexB.h"

namespace parley::load {

namespace {

// Index of the next 00 00 01 at or after `from`, or stream.size().
size_t findStartCode(std::span<const uint8_t> stream, size_t from) {
  for (size_t i = from; i + 2 < stream.size(); ++i) {
    if (stream[i + 2] > 1) {
      i += 2;  // no start code can begin at i, i+1 or i+2
      continue;
    }
    if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) return i;
  }
  return stream.size();
}

}  // namespace

bool AnnexB::split(std::span<const uint8_t> stream, std::vector<std::span<const uint8_t>>& nals) {
  size_t start = findStartCode(stream, 0);
  if (start == stream.size()) return false;
  for (size_t i = 0; i < start; ++i)
    if (stream[i] != 0) return false;
  while (start < stream.size()) {
    const size_t begin = start + 3;
    const size_t next = findStartCode(stream, begin);
    size_t end = next;
    // A NAL unit ends in a non-zero byte (its RBSP trailing bits), so zeros before the next
    // start code belong to the stream, not to the unit (a 4-byte start code's first zero too).
    while (end > begin && stream[end - 1] == 0) --end;
    if (end > begin) nals.push_back(stream.subspan(begin, end - begin));
    start = next;
  }
  return true;
}

}  // namespace parley::load
