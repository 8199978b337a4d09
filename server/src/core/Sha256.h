#pragma once

#include <cstddef>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace parley::core {

// SHA-256 over data that comes in pieces (a file read in chunks), where core::Crypto::sha256
// needs it all in memory. OpenSSL's EVP digest, like the rest of core/Crypto.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  void update(const void* data, std::size_t size);
  // The digest of everything given since construction (or the last finish), as 32 raw
  // bytes; the hasher then starts over, empty.
  std::string finish();
  // The same digest as 64 lowercase hex digits.
  std::string finishHex();

 private:
  evp_md_ctx_st* context_ = nullptr;
};

}  // namespace parley::core
