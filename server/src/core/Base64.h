#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::core {

// RFC 4648 base64 in its two alphabets. Decoding accepts input with or without '='
// padding (the SDKs disagree on padding) but rejects characters of the other alphabet
// unless `lenient` is set, in which case '+'/'-' and '/'/'_' are interchangeable.
class Base64 {
 public:
  enum class Alphabet { Standard, UrlSafe };

  static std::string encode(std::string_view bytes, Alphabet alphabet = Alphabet::Standard,
                            bool pad = true);
  static std::optional<std::string> decode(std::string_view text,
                                           Alphabet alphabet = Alphabet::Standard,
                                           bool lenient = false);
};

}  // namespace parley::core
