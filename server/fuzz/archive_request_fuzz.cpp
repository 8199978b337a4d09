// ArchiveOptions on arbitrary request bodies: JSON that parses goes through the start and
// layout rules. Whatever is accepted must hold only allowed values (the rules are checked
// again here, independently), and nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/ArchiveOptions.h"

namespace {

bool in(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (v == a) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::core::ArchiveOptions;
  auto body =
      parley::core::Json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body) return 0;
  if (auto r = ArchiveOptions::parse(*body); r.ok()) {
    const ArchiveOptions& o = r.value();
    if (o.sessionId.empty() || (!o.hasAudio && !o.hasVideo)) __builtin_trap();
    if (!in(o.resolution, {"640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920"}))
      __builtin_trap();
    if (!in(o.layoutType,
            {"bestFit", "custom", "horizontalPresentation", "verticalPresentation", "pip"}))
      __builtin_trap();
    if (o.maxBitrate && o.quantizationParameter) __builtin_trap();
    if (o.outputMode == ArchiveOptions::OutputMode::Individual &&
        (o.maxBitrate || o.quantizationParameter || o.layoutType != "bestFit"))
      __builtin_trap();
    if (o.name.size() > ArchiveOptions::kMaxNameLength) __builtin_trap();
  }
  (void)ArchiveOptions::parseLayout(*body);
  return 0;
}
