#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::media::srtp {

// Replay protection for one SSRC (RFC 3711 §3.3.2): the highest packet index accepted so
// far and a bitmap of which of the kSize indices up to it were seen. Only authenticated
// packets may be accepted, so forged packets can neither advance nor poison it.
class SrtpReplayWindow {
 public:
  // Video at high bit rates reorders by more than libsrtp's default of 128.
  static constexpr uint64_t kSize = 1024;

  // Whether `index` may be accepted: never seen, and not older than the window.
  bool fresh(uint64_t index) const;
  // Records `index` (which fresh() allowed) as received.
  void accept(uint64_t index);
  // The highest accepted index; meaningless before the first accept().
  uint64_t highest() const { return highest_; }
  bool empty() const { return empty_; }

 private:
  bool test(uint64_t index) const { return (bits_[(index % kSize) / 64] >> (index % 64)) & 1; }
  void set(uint64_t index) { bits_[(index % kSize) / 64] |= uint64_t{1} << (index % 64); }
  void clear(uint64_t index) { bits_[(index % kSize) / 64] &= ~(uint64_t{1} << (index % 64)); }

  // Bit (i mod kSize) stands for index i, for i in (highest_ - kSize, highest_].
  std::array<uint64_t, kSize / 64> bits_{};
  uint64_t highest_ = 0;
  bool empty_ = true;
};

}  // namespace parley::media::srtp
