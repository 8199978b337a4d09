#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace parley::app {

// The server key that signs download links (core::UrlSignature). It lives in
// <dataDir>/url-signing.key so links handed out before a restart still work after it.
class UrlSigningKey {
 public:
  static constexpr std::size_t kBytes = 32;
  static constexpr const char* kFileName = "url-signing.key";

  // Reads the key, or creates it (random, mode 0600) when the file does not exist yet.
  // nullopt with `error` set when the file cannot be read or created, or has another size.
  static std::optional<std::string> loadOrCreate(const std::string& dataDir, std::string* error);
};

}  // namespace parley::app
