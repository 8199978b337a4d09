#pragma once

#include <cctype>
#include <string_view>

namespace parley::core {

// Identifiers chosen by clients (connection, stream, subscriber and socket ids; UUIDs in
// practice) end up in URIs, log lines and map keys: keep them to short tokens of
// letters, digits, '-' and '_'.
inline bool isValidClientId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

}  // namespace parley::core
