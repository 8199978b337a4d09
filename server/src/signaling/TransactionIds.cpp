#include "signaling/TransactionIds.h"

#include <cstring>

#include "core/Crypto.h"

namespace parley::signaling {

TransactionIds::TransactionIds() {
  const std::string random = core::Crypto::randomBytes(sizeof prefix_);
  std::memcpy(&prefix_, random.data(), sizeof prefix_);
}

namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::size_t kLength = 36;

bool isDash(std::size_t pos) {
  return pos == 8 || pos == 13 || pos == 18 || pos == 23;
}

}  // namespace

TransactionIds::Issued TransactionIds::next() {
  const std::uint64_t count = ++counter_;
  return {count, text(count)};
}

std::string TransactionIds::text(std::uint64_t sequence) const {
  // 8-4-4-4-12: the prefix fills the first 16 hex digits, the counter the last 16.
  std::string out(kLength, '-');
  std::size_t pos = 0;
  auto put = [&](std::uint64_t v) {
    for (int i = 15; i >= 0; --i) {
      if (isDash(pos)) ++pos;
      out[pos++] = kHex[(v >> (4 * i)) & 0xF];
    }
  };
  put(prefix_);
  put(sequence);
  return out;
}

std::optional<std::uint64_t> TransactionIds::sequenceOf(std::string_view text) const {
  if (text.size() != kLength) return std::nullopt;
  std::uint64_t values[2] = {0, 0};
  std::size_t digits = 0;
  for (std::size_t pos = 0; pos < kLength; ++pos) {
    const char c = text[pos];
    if (isDash(pos)) {
      if (c != '-') return std::nullopt;
      continue;
    }
    unsigned v;
    if (c >= '0' && c <= '9') {
      v = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v = static_cast<unsigned>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    std::uint64_t& value = values[digits++ / 16];
    value = (value << 4) | v;
  }
  if (values[0] != prefix_ || values[1] == 0 || values[1] > counter_) return std::nullopt;
  return values[1];
}

}  // namespace parley::signaling
