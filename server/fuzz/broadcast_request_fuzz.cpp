// BroadcastOptions on arbitrary request bodies: JSON that parses goes through the start and
// layout rules. Whatever is accepted must hold only allowed values (the rules are checked
// again here, independently: above all that an RTMP target can only be an rtmp:// or rtmps://
// URL), and nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/AsciiCase.h"
#include "core/BroadcastOptions.h"

namespace {

bool in(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (v == a) return true;
  return false;
}

bool rtmpScheme(std::string_view url) {
  const auto scheme = url.find("://");
  return scheme != std::string_view::npos &&
         (parley::core::equalsIgnoringCase(url.substr(0, scheme), "rtmp") ||
          parley::core::equalsIgnoringCase(url.substr(0, scheme), "rtmps"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::core::BroadcastOptions;
  auto body =
      parley::core::Json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body) return 0;
  if (auto r = BroadcastOptions::parse(*body); r.ok()) {
    const BroadcastOptions& o = r.value();
    if (o.sessionId.empty() || (!o.hasAudio && !o.hasVideo)) __builtin_trap();
    if (!o.hls && o.rtmp.empty()) __builtin_trap();
    if (o.hls && o.hls->dvr && o.hls->lowLatency) __builtin_trap();
    if (o.rtmp.size() > BroadcastOptions::kMaxRtmpTargets) __builtin_trap();
    for (const auto& t : o.rtmp) {
      if (!rtmpScheme(t.serverUrl) || !rtmpScheme(t.url()) || t.streamName.empty())
        __builtin_trap();
      for (char c : t.url())
        if (c <= ' ' || c == 0x7f) __builtin_trap();
    }
    if (o.maxDurationS < 60 || o.maxDurationS > 36000) __builtin_trap();
    if (!in(o.resolution, {"640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920"}))
      __builtin_trap();
    if (!in(o.layoutType,
            {"bestFit", "custom", "horizontalPresentation", "verticalPresentation", "pip"}))
      __builtin_trap();
    if (o.maxBitrate && (*o.maxBitrate < 100000 || *o.maxBitrate > 6000000)) __builtin_trap();
  }
  (void)BroadcastOptions::parseLayout(*body);
  return 0;
}
