#pragma once

#include <cstdint>

namespace parley::media {

// An unpredictable, non-zero SSRC for what the SFU itself sends (RFC 3550 §8.1).
uint32_t randomSsrc();

}  // namespace parley::media
