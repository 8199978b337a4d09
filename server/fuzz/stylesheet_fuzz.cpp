// A custom layout's stylesheet (REST input: PUT …/archive/{id}/layout, docs/protocol.md §3.4.2)
// on arbitrary text, laid out over streams whose classes come from the input too: parsing must
// never crash, and every box it places must be a real rectangle that touches the canvas.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "record/compose/Layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parley::record::compose;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto layout = Layout::create("custom", text, "", &error);
  if (!layout) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  static const char* kClasses[] = {"focus", "full", "a", "b"};
  std::vector<StreamInfo> streams;
  for (std::size_t i = 0; i < 7; ++i) {
    StreamInfo s;
    s.id = "s" + std::to_string(i);
    s.connectionId = "c" + std::to_string(i % 3);
    s.screen = i == 5;
    s.addedOrder = i;
    const std::uint8_t bits = size > i ? data[size - 1 - i] : 0;
    for (int c = 0; c < 4; ++c)
      if (bits & (1 << c)) s.classes.push_back(kClasses[c]);
    streams.push_back(s);
  }
  for (auto [w, h] : {std::pair{640, 480}, std::pair{720, 1280}}) {
    for (const Box& b : layout->arrange(streams, w, h)) {
      if (b.width <= 0 || b.height <= 0) __builtin_trap();
      if (b.x >= w || b.y >= h || b.x + b.width <= 0 || b.y + b.height <= 0) __builtin_trap();
    }
  }
  return 0;
}
