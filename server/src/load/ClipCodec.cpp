#include "load/ClipCodec.h"

#include <cctype>

namespace parley::load {

const char* clipCodecName(ClipCodec codec) {
  switch (codec) {
    case ClipCodec::Vp8:
      return "vp8";
    case ClipCodec::H264:
      return "h264";
    case ClipCodec::Opus:
      return "opus";
  }
  return "unknown";
}

std::optional<ClipCodec> clipCodecNamed(std::string_view name) {
  for (ClipCodec codec : {ClipCodec::Vp8, ClipCodec::H264, ClipCodec::Opus}) {
    const std::string_view known = clipCodecName(codec);
    if (known.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(name[i])) == known[i];
    if (same) return codec;
  }
  return std::nullopt;
}

}  // namespace parley::load
