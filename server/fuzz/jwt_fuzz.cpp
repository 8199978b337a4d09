// Jwt::parse and RestAuth::verify on arbitrary input; parsed tokens are re-signed and
// must then verify.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/Jwt.h"
#include "core/RestAuth.h"

namespace {

std::optional<std::string> lookup(std::string_view key) {
  if (key == "47665971") return std::string("0123456789abcdef0123456789abcdef01234567");
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parley::core;
  static const TokenVerifier::SecretLookup secretFor = lookup;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string error;
  if (const auto jwt = Jwt::parse(input, &error)) {
    (void)jwt->verifyHs256("secret");
    Json header = jwt->header();
    header.set("alg", "HS256");
    const std::string resigned = Jwt::signHs256(header, jwt->payload(), "secret");
    const auto again = Jwt::parse(resigned);
    if (resigned.size() <= Jwt::kMaxLength) {
      if (!again || !again->verifyHs256("secret") || !(again->payload() == jwt->payload()))
        std::abort();
    }
  } else if (error.empty()) {
    std::abort();  // failures always say why
  }

  const auto auth = RestAuth::verify(input, secretFor, 1764000000);
  if (auth.ok() && auth.value() != "47665971") std::abort();
  return 0;
}
