#pragma once

#include <cstdint>
#include <string>

#include "core/Role.h"

namespace parley::core {

// What a verified client token grants. Produced by TokenVerifier, consumed by the GSI
// endpoint and by signaling's connection create.
struct ClientToken {
  enum class Format { T1, Jwt };
  Format format = Format::Jwt;
  std::string apiKey;     // partner_id (T1) or iss (JWT)
  std::string sessionId;  // session_id
  Role role = Role::Publisher;
  std::int64_t createTime = 0;         // seconds since epoch (iat for JWTs without create_time)
  std::int64_t expireTime = 0;         // seconds since epoch, after defaults were applied
  std::string connectionData;          // "" when absent
  std::string initialLayoutClassList;  // space separated, "" when absent
};

}  // namespace parley::core
