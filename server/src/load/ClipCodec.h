#pragma once

#include <optional>
#include <string_view>

namespace parley::load {

// The codecs `parley load` can play from a pre-encoded clip.
enum class ClipCodec { Vp8, H264, Opus };

// "vp8", "h264" or "opus".
const char* clipCodecName(ClipCodec codec);
// The codec with that name (as clipCodecName writes it, ASCII case ignored); nullopt otherwise.
std::optional<ClipCodec> clipCodecNamed(std::string_view name);

}  // namespace parley::load
