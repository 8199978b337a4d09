#include "signaling/TransactionIds.h"

#include <cstring>

#include "core/Crypto.h"

namespace parley::signaling {

TransactionIds::TransactionIds() {
  const std::string random = core::Crypto::randomBytes(sizeof prefix_);
  std::memcpy(&prefix_, random.data(), sizeof prefix_);
}

std::string TransactionIds::next() {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::uint64_t count = ++counter_;
  // 8-4-4-4-12: the prefix fills the first 16 hex digits, the counter the last 16.
  std::string out(36, '-');
  int pos = 0;
  auto put = [&](std::uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (4 * i)) & 0xF];
    }
  };
  put(prefix_, 16);
  put(count, 16);
  return out;
}

}  // namespace parley::signaling
