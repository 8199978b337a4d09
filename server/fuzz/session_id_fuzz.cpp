// SessionId::decode on arbitrary input; decoded parts must be printable and free of '~',
// and an ID generated from them must decode to the same key and location.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/SessionId.h"

namespace {

bool clean(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7E || c == '~') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::core::SessionId;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parts = SessionId::decode(input);
  if (!parts) return 0;
  if (parts->apiKey.empty() || !clean(parts->apiKey) || !clean(parts->location) ||
      !clean(parts->createdAt) || !clean(parts->random) || !clean(parts->flags))
    std::abort();
  if (parts->apiKey.size() + parts->location.size() < 300) {
    const auto again =
        SessionId::decode(SessionId::generate(parts->apiKey, parts->location, 1, true));
    if (!again || again->apiKey != parts->apiKey || again->location != parts->location ||
        again->flags != "P")
      std::abort();
  }
  return 0;
}
