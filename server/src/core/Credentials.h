#pragma once

#include <string>

namespace parley::core {

// New project credentials in OpenTok's shapes: an 8-digit numeric API key (the client
// treats numeric keys as classic OpenTok keys) and a 40-hex-digit secret.
class Credentials {
 public:
  static std::string newApiKey();
  static std::string newApiSecret();
};

}  // namespace parley::core
