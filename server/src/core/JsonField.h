#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/Json.h"

namespace parley::core {

// Readers of one optional field of a JSON request body, shared by the archive and broadcast
// options so both APIs word their refusals alike. Each leaves `out` as it is when the field is
// absent or null and returns the error text ("<key> must be …") when it is malformed.
class JsonField {
 public:
  static std::optional<std::string> readString(const Json& body, std::string_view key,
                                               std::string& out, std::size_t maxLength);
  static std::optional<std::string> readBool(const Json& body, std::string_view key, bool& out);
  // A whole number from `low` to `high`.
  static std::optional<std::string> readInt(const Json& body, std::string_view key,
                                            std::int64_t& out, std::int64_t low, std::int64_t high);
  static std::optional<std::string> readInt(const Json& body, std::string_view key,
                                            std::optional<std::int64_t>& out, std::int64_t low,
                                            std::int64_t high);
};

}  // namespace parley::core
