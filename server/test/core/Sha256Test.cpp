#include "core/Sha256.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/Crypto.h"

namespace parley::core {
namespace {

std::string oneShot(std::string_view data) {
  Sha256 hash;
  hash.update(data);
  return hash.finishHex();
}

TEST(Sha256Test, KnownVectors) {
  // FIPS 180-2 appendix B and the empty message.
  EXPECT_EQ(oneShot(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(oneShot("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(oneShot("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 million;
  const std::string thousand(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.update(thousand.data(), thousand.size());
  EXPECT_EQ(million.finishHex(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, ChunkedEqualsOneShotEqualsCrypto) {
  std::mt19937 random(11);
  std::string data(200000, '\0');
  for (auto& c : data) c = static_cast<char>(random());
  const std::string expected = Crypto::toHex(Crypto::sha256(data));
  EXPECT_EQ(oneShot(data), expected);

  for (int round = 0; round < 5; ++round) {
    Sha256 hash;
    std::size_t at = 0;
    while (at < data.size()) {
      // Pieces of 0 to 9000 bytes, across SHA-256's 64-byte blocks at every alignment.
      const std::size_t n = std::min<std::size_t>(random() % 9001, data.size() - at);
      hash.update(data.data() + at, n);
      at += n;
    }
    EXPECT_EQ(hash.finishHex(), expected) << "round " << round;
  }
}

TEST(Sha256Test, FinishStartsOver) {
  Sha256 hash;
  hash.update("ab");
  hash.update(std::string_view("c"));
  const std::string raw = hash.finish();
  EXPECT_EQ(raw, Crypto::sha256("abc"));
  EXPECT_EQ(raw.size(), 32u);
  EXPECT_EQ(hash.finishHex(), oneShot("")) << "nothing given since the last finish";
  hash.update("abc");
  EXPECT_EQ(hash.finishHex(), Crypto::toHex(Crypto::sha256("abc")));
}

}  // namespace
}  // namespace parley::core
