#pragma once

#include <cstdint>
#include <string>

#include "core/SessionProperties.h"

namespace parley::store {

struct SessionRecord {
  std::string sessionId;
  std::string apiKey;
  core::SessionProperties properties;
  std::int64_t createdAtMs = 0;
};

}  // namespace parley::store
