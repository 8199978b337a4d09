#include "core/Sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

#include "core/Crypto.h"

namespace parley::core {

namespace {

// As in Crypto: a failing digest means a broken libcrypto, and a wrong checksum handed out
// as right is worse than stopping.
[[noreturn]] void fatal(const char* what) {
  std::fprintf(stderr, "parley: OpenSSL failure in %s\n", what);
  std::abort();
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1)
    fatal("EVP_DigestInit_ex");
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(context_);
}

void Sha256::update(std::string_view data) {
  update(data.data(), data.size());
}

void Sha256::update(const void* data, std::size_t size) {
  if (size == 0) return;  // OpenSSL wants a non-null pointer even for nothing
  if (EVP_DigestUpdate(context_, data, size) != 1) fatal("EVP_DigestUpdate");
}

std::string Sha256::finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_, out, &length) != 1) fatal("EVP_DigestFinal_ex");
  if (EVP_DigestInit_ex(context_, EVP_sha256(), nullptr) != 1) fatal("EVP_DigestInit_ex");
  return std::string(reinterpret_cast<const char*>(out), length);
}

std::string Sha256::finishHex() {
  return Crypto::toHex(finish());
}

}  // namespace parley::core
