#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::codecs {

// An H.264 RTP payload in packetization mode 1 (RFC 6184): a single NAL unit (types 1-23),
// a STAP-A (24) or a FU-A (28). Parsing validates every length against the buffer and
// records what a forwarder needs (keyframe, fragment boundaries); no allocation.
class H264Payload {
 public:
  enum class Kind : uint8_t { kSingleNal, kStapA, kFuA };

  static constexpr uint8_t kNalIdr = 5;
  static constexpr uint8_t kNalSps = 7;
  static constexpr uint8_t kNalPps = 8;
  static constexpr uint8_t kNalStapA = 24;
  static constexpr uint8_t kNalFuA = 28;

  // nullopt for empty or malformed payloads, F=1 headers, and types outside mode 1
  // (STAP-B, MTAP16/24, FU-B, 0, 30, 31).
  static std::optional<H264Payload> parse(const uint8_t* data, size_t size);

  Kind kind() const { return kind_; }
  // Single NAL: its type; STAP-A: the type of the first aggregated unit; FU-A: the type
  // of the fragmented NAL unit.
  uint8_t nalType() const { return nalType_; }
  uint8_t nri() const { return nri_; }                   // of the RTP payload header
  size_t nalCount() const { return nalCount_; }          // aggregated units in a STAP-A, else 1
  bool fragmentStart() const { return fragmentStart_; }  // FU-A S bit (true otherwise)
  bool fragmentEnd() const { return fragmentEnd_; }      // FU-A E bit (true otherwise)

  bool containsIdr() const { return containsIdr_; }
  bool containsSps() const { return containsSps_; }
  bool containsPps() const { return containsPps_; }
  // An IDR slice or an SPS in the packet; for a FU-A only on its first fragment.
  bool isKeyframe() const { return containsIdr_ || containsSps_; }

 private:
  H264Payload() = default;
  void note(uint8_t type);

  size_t nalCount_ = 0;
  Kind kind_ = Kind::kSingleNal;
  uint8_t nalType_ = 0;
  uint8_t nri_ = 0;
  bool fragmentStart_ = true;
  bool fragmentEnd_ = true;
  bool containsIdr_ = false;
  bool containsSps_ = false;
  bool containsPps_ = false;
};

}  // namespace parley::media::codecs
