// Json::parse on arbitrary input; anything accepted must survive dump → parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/Json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::core::Json;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto value = Json::parse(input);
  if (!value) return 0;
  const std::string text = value->dump();
  const auto again = Json::parse(text);
  if (!again || !(*again == *value) || again->dump() != text) std::abort();
  return 0;
}
