// ByteRange::parse on arbitrary Range header values. The first 8 bytes (little endian) are
// the representation's size, the rest the header. Whatever comes back must be a range the
// server can serve as is: inside the file, never for an absent or oversized header.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "http/ByteRange.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::http::ByteRange;
  if (size < 8) return 0;
  std::uint64_t fileSize = 0;
  for (int i = 7; i >= 0; --i) fileSize = (fileSize << 8) | data[i];
  // Small sizes too, where the edges (0, 1, exactly the range) are.
  if (data[0] & 1) fileSize &= 0xFFFF;
  const std::string_view header(reinterpret_cast<const char*>(data + 8), size - 8);

  const auto r = ByteRange::parse(header, fileSize);
  switch (r.kind) {
    case ByteRange::Kind::Partial:
      if (r.first > r.last || r.last >= fileSize) __builtin_trap();
      if (r.length() == 0 || r.length() > fileSize) __builtin_trap();
      break;
    case ByteRange::Kind::Unsatisfiable:
    case ByteRange::Kind::Full:
      if (r.length() != 0) __builtin_trap();
      break;
  }
  if (r.kind != ByteRange::Kind::Full) {
    if (header.size() > ByteRange::kMaxHeaderLength) __builtin_trap();
    // Only the bytes unit is understood; several ranges are never served piecemeal.
    if (header.find(',') != std::string_view::npos) __builtin_trap();
  }
  if (ByteRange::parse(std::nullopt, fileSize).kind != ByteRange::Kind::Full) __builtin_trap();
  return 0;
}
