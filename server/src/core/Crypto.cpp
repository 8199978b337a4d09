#include "core/Crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

namespace parley::core {

namespace {

// A failing digest or CSPRNG means a broken libcrypto; carrying on could turn an empty
// MAC into an "equal" comparison, so stop instead.
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "parley: OpenSSL failure in %s\n", what);
  std::abort();
}

// OpenSSL wants a non-null pointer even for empty inputs.
const unsigned char* bytesOf(std::string_view s) {
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (key.size() > INT_MAX) fatal("HMAC key size");
  if (HMAC(md, bytesOf(key), static_cast<int>(key.size()), bytesOf(data), data.size(), out, &len) ==
      nullptr)
    fatal("HMAC");
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

std::string Crypto::hmacSha1(std::string_view key, std::string_view data) {
  return hmac(EVP_sha1(), key, data);
}

std::string Crypto::hmacSha256(std::string_view key, std::string_view data) {
  return hmac(EVP_sha256(), key, data);
}

std::string Crypto::sha1(std::string_view data) {
  unsigned char out[SHA_DIGEST_LENGTH];
  if (SHA1(bytesOf(data), data.size(), out) == nullptr) fatal("SHA1");
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string Crypto::sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  if (SHA256(bytesOf(data), data.size(), out) == nullptr) fatal("SHA256");
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string Crypto::randomAlphanumeric(std::size_t count) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out = randomBytes(count);
  // 62 letters: the modulo leans slightly towards the first few, which nothing here minds.
  for (char& c : out) c = kAlphabet[static_cast<unsigned char>(c) % 62];
  return out;
}

std::string Crypto::randomBytes(std::size_t count) {
  std::string out(count, '\0');
  // RAND_bytes takes an int; fill in chunks so any size_t works.
  std::size_t done = 0;
  while (done < count) {
    const std::size_t chunk = std::min<std::size_t>(count - done, 1u << 20);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), static_cast<int>(chunk)) !=
        1)
      fatal("RAND_bytes");
    done += chunk;
  }
  return out;
}

std::string Crypto::toHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

std::optional<std::string> Crypto::fromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = digit(hex[i]);
    const int low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>((high << 4) | low));
  }
  return out;
}

bool Crypto::constantTimeEquals(std::string_view a, std::string_view b) {
  // The length is not secret (MACs have fixed sizes); only the contents are.
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Crypto::uuid4() {
  std::string b = randomBytes(16);
  b[6] = static_cast<char>((static_cast<unsigned char>(b[6]) & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<char>((static_cast<unsigned char>(b[8]) & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string hex = toHex(b);
  std::string out;
  out.reserve(36);
  out.append(hex, 0, 8).append(1, '-');
  out.append(hex, 8, 4).append(1, '-');
  out.append(hex, 12, 4).append(1, '-');
  out.append(hex, 16, 4).append(1, '-');
  out.append(hex, 20, 12);
  return out;
}

}  // namespace parley::core
