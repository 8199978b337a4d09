#include "core/Credentials.h"

#include <cstdint>
#include <cstring>

#include "core/Crypto.h"

namespace parley::core {

std::string Credentials::newApiKey() {
  std::string bytes = Crypto::randomBytes(sizeof(std::uint64_t));
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), sizeof n);
  return std::to_string(10000000 + n % 90000000);  // 10000000 … 99999999
}

std::string Credentials::newApiSecret() {
  return Crypto::toHex(Crypto::randomBytes(20));
}

}  // namespace parley::core
