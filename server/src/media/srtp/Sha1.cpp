#include "media/srtp/Sha1.h"

#include <algorithm>
#include <cstring>

#include "media/ByteOrder.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define PARLEY_SHA1_X86 1
#endif

namespace parley::media::srtp {

namespace {

constexpr uint32_t rotl(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

#ifdef PARLEY_SHA1_X86

// SHA-NI works on the state as two registers: ABCD with A in the top 32-bit lane, and E
// alone in the top lane of another. Each group of four rounds takes W[4g..4g+3] with W[4g]
// in the top lane. `previous` is ABCD before the previous group: SHA1NEXTE derives this
// group's E from its A (rotated by 30) and adds it to the message words.
template <int G>
[[gnu::target("sha,ssse3,sse4.1"), gnu::always_inline]] inline void shaniGroup(
    __m128i& abcd, __m128i& previous, __m128i (&w)[4], const uint8_t* block, __m128i byteSwap) {
  __m128i& words = w[G % 4];
  if constexpr (G < 4) {
    // Reversing all 16 bytes makes each big-endian word native and puts W[4g] on top.
    words = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * G)),
                             byteSwap);
  } else {
    // W[t] = rotl(W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16], 1), four at a time: w[G%4] holds
    // group G-4, and groups G-3, G-2, G-1 follow it cyclically.
    words = _mm_sha1msg2_epu32(
        _mm_xor_si128(_mm_sha1msg1_epu32(words, w[(G + 1) % 4]), w[(G + 2) % 4]), w[(G + 3) % 4]);
  }
  const __m128i e = G == 0 ? _mm_add_epi32(previous, words) : _mm_sha1nexte_epu32(previous, words);
  previous = abcd;
  abcd = _mm_sha1rnds4_epu32(abcd, e, G / 5);
}

[[gnu::target("sha,ssse3,sse4.1")]] void compressShaNi(uint32_t* state, const uint8_t* blocks,
                                                       size_t count) {
  const __m128i byteSwap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // state[0..3] = A, B, C, D in memory order; reversed so that A is in the top lane.
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0x1B);
  __m128i e0 = _mm_set_epi32(static_cast<int>(state[4]), 0, 0, 0);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* block = blocks + i * Sha1::kBlockSize;
    const __m128i abcdSaved = abcd;
    const __m128i eSaved = e0;
    __m128i w[4];
    // Before the first group `previous` carries E itself (added, not derived).
    __m128i previous = e0;
    shaniGroup<0>(abcd, previous, w, block, byteSwap);
    shaniGroup<1>(abcd, previous, w, block, byteSwap);
    shaniGroup<2>(abcd, previous, w, block, byteSwap);
    shaniGroup<3>(abcd, previous, w, block, byteSwap);
    shaniGroup<4>(abcd, previous, w, block, byteSwap);
    shaniGroup<5>(abcd, previous, w, block, byteSwap);
    shaniGroup<6>(abcd, previous, w, block, byteSwap);
    shaniGroup<7>(abcd, previous, w, block, byteSwap);
    shaniGroup<8>(abcd, previous, w, block, byteSwap);
    shaniGroup<9>(abcd, previous, w, block, byteSwap);
    shaniGroup<10>(abcd, previous, w, block, byteSwap);
    shaniGroup<11>(abcd, previous, w, block, byteSwap);
    shaniGroup<12>(abcd, previous, w, block, byteSwap);
    shaniGroup<13>(abcd, previous, w, block, byteSwap);
    shaniGroup<14>(abcd, previous, w, block, byteSwap);
    shaniGroup<15>(abcd, previous, w, block, byteSwap);
    shaniGroup<16>(abcd, previous, w, block, byteSwap);
    shaniGroup<17>(abcd, previous, w, block, byteSwap);
    shaniGroup<18>(abcd, previous, w, block, byteSwap);
    shaniGroup<19>(abcd, previous, w, block, byteSwap);
    // The final E is rotl(A before the last group, 30); SHA1NEXTE adds the saved E to it,
    // which is the feed-forward addition for E.
    e0 = _mm_sha1nexte_epu32(previous, eSaved);
    abcd = _mm_add_epi32(abcd, abcdSaved);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_shuffle_epi32(abcd, 0x1B));
  state[4] = static_cast<uint32_t>(_mm_extract_epi32(e0, 3));
}

bool cpuHasShaNi() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool ssse3 = (ecx & (1u << 9)) != 0;
  const bool sse41 = (ecx & (1u << 19)) != 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool sha = (ebx & (1u << 29)) != 0;
  return ssse3 && sse41 && sha;
}

#endif  // PARLEY_SHA1_X86

using CompressFunction = void (*)(uint32_t*, const uint8_t*, size_t);

CompressFunction selectCompress() {
  return Sha1::accelerationAvailable() ? &Sha1::compressAccelerated : &Sha1::compressPortable;
}

}  // namespace

void Sha1::compressPortable(uint32_t* state, const uint8_t* blocks, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* block = blocks + i * kBlockSize;
    // The message schedule as a ring of 16 words, W[t] computed when round t needs it.
    uint32_t w[16];
    for (int t = 0; t < 16; ++t) w[t] = ByteOrder::read32(block + 4 * t);
    auto word = [&w](int t) {
      if (t < 16) return w[t];
      const uint32_t x = rotl(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^ w[(t - 14) & 15] ^ w[t & 15], 1);
      w[t & 15] = x;
      return x;
    };
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
    auto round = [&](uint32_t f, uint32_t k, uint32_t wt) {
      const uint32_t temp = rotl(a, 5) + f + e + k + wt;
      e = d;
      d = c;
      c = rotl(b, 30);
      b = a;
      a = temp;
    };
    // One loop per round function (Ch, Parity, Maj, Parity), unrolled: about three times
    // faster than one loop that picks the function per round.
#pragma GCC unroll 20
    for (int t = 0; t < 20; ++t) round(d ^ (b & (c ^ d)), 0x5A827999, word(t));
#pragma GCC unroll 20
    for (int t = 20; t < 40; ++t) round(b ^ c ^ d, 0x6ED9EBA1, word(t));
#pragma GCC unroll 20
    for (int t = 40; t < 60; ++t) round((b & c) | (d & (b | c)), 0x8F1BBCDC, word(t));
#pragma GCC unroll 20
    for (int t = 60; t < 80; ++t) round(b ^ c ^ d, 0xCA62C1D6, word(t));
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
    state[4] += e;
  }
}

void Sha1::compressAccelerated(uint32_t* state, const uint8_t* blocks, size_t count) {
#ifdef PARLEY_SHA1_X86
  if (accelerationAvailable()) return compressShaNi(state, blocks, count);
#endif
  compressPortable(state, blocks, count);
}

bool Sha1::accelerationAvailable() {
#ifdef PARLEY_SHA1_X86
  static const bool available = cpuHasShaNi();
  return available;
#else
  return false;
#endif
}

void Sha1::compress(uint32_t* state, const uint8_t* blocks, size_t count) {
  static const CompressFunction function = selectCompress();
  function(state, blocks, count);
}

void Sha1::update(const uint8_t* data, size_t size) {
  if (size == 0) return;
  length_ += size;
  if (buffered_ > 0) {
    const size_t take = std::min(kBlockSize - buffered_, size);
    std::memcpy(buffer_.data() + buffered_, data, take);
    buffered_ += take;
    data += take;
    size -= take;
    if (buffered_ < kBlockSize) return;
    compress(state_.data(), buffer_.data(), 1);
    buffered_ = 0;
  }
  const size_t blocks = size / kBlockSize;
  if (blocks > 0) compress(state_.data(), data, blocks);
  data += blocks * kBlockSize;
  size -= blocks * kBlockSize;
  if (size > 0) std::memcpy(buffer_.data(), data, size);
  buffered_ = size;
}

void Sha1::finish(uint8_t* digest) {
  // Padding: 0x80, zeros up to 56 mod 64, then the length in bits as 64-bit big endian.
  const uint64_t bits = length_ * 8;
  buffer_[buffered_++] = 0x80;
  if (buffered_ > kBlockSize - 8) {
    std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_), buffer_.end(), 0);
    compress(state_.data(), buffer_.data(), 1);
    buffered_ = 0;
  }
  std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_), buffer_.end() - 8, 0);
  ByteOrder::write64(buffer_.data() + kBlockSize - 8, bits);
  compress(state_.data(), buffer_.data(), 1);
  for (size_t i = 0; i < 5; ++i) ByteOrder::write32(digest + 4 * i, state_[i]);
}

}  // namespace parley::media::srtp
