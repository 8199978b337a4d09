#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

// Session IDs as the OpenTok SDKs decode them (docs/protocol.md §1.2):
//   "1_" + base64url-without-padding("1~<apiKey>~<location>~<createdMs>~<random>~<flags>~")
// Field 1 is the API key, which is what the Node SDK checks before minting tokens.
class SessionId {
 public:
  struct Parts {
    std::string apiKey;
    std::string location;   // may be empty
    std::string createdAt;  // as written (epoch ms in ours, a date in old ones)
    std::string random;
    std::string flags;  // "P" marks relayed sessions in ours
  };

  // `random` is 24 characters of base64 alphabet, as in current IDs.
  static std::string generate(std::string_view apiKey, std::string_view location,
                              std::int64_t createdAtMs, bool relayed);
  // Decodes any syntactically valid ID (our own or the SDKs' fixtures); nullopt otherwise.
  // Limits the input to kMaxLength characters.
  static std::optional<Parts> decode(std::string_view sessionId);

  static constexpr std::size_t kMaxLength = 512;
};

}  // namespace parley::core
