#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::http {

// A request's `Range` header (RFC 9110 §14.2) against a representation of `size` bytes.
// One range is served as a 206; anything else the server may ignore (another unit, bad
// syntax, several ranges, an oversized header) means the whole body as a 200.
class ByteRange {
 public:
  enum class Kind { Full, Partial, Unsatisfiable };
  struct Result {
    Kind kind = Kind::Full;
    std::uint64_t first = 0;  // Partial: inclusive byte positions, first <= last < size
    std::uint64_t last = 0;
    std::uint64_t length() const { return kind == Kind::Partial ? last - first + 1 : 0; }
  };

  // Longer header values are ignored rather than parsed.
  static constexpr std::size_t kMaxHeaderLength = 256;

  static Result parse(std::optional<std::string_view> header, std::uint64_t size);
};

}  // namespace parley::http
