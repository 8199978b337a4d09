#pragma once

#include <cstdint>
#include <string>

#include "core/Role.h"

namespace parley::core {

// Mints client tokens exactly as the official Node SDK does (field order and claims of
// docs/protocol.md §2.2/§2.3), for the operator CLI and for tests.
class TokenMinter {
 public:
  struct Options {
    Role role = Role::Publisher;
    std::int64_t createTime = 0;  // seconds
    std::int64_t expireTime = 0;  // seconds; 0 → createTime + 24 h
    std::string connectionData;
    std::string initialLayoutClassList;
  };
  static std::string jwt(std::string_view apiKey, std::string_view secret,
                         std::string_view sessionId, const Options& options);
  static std::string t1(std::string_view apiKey, std::string_view secret,
                        std::string_view sessionId, const Options& options);
};

}  // namespace parley::core
