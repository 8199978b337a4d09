#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::rtcp {

// The 4-byte common header of one RTCP packet (RFC 3550 §6.4):
//   V=2 | P | count/FMT (5) | packet type (8) | length in 32-bit words minus one (16)
class RtcpHeader {
 public:
  static constexpr size_t kSize = 4;
  static constexpr uint8_t kSenderReport = 200;
  static constexpr uint8_t kReceiverReport = 201;
  static constexpr uint8_t kSdes = 202;
  static constexpr uint8_t kBye = 203;
  static constexpr uint8_t kApp = 204;
  static constexpr uint8_t kRtpFeedback = 205;
  static constexpr uint8_t kPayloadFeedback = 206;

  // Parses the header at `data` and checks that the whole packet (per the length field),
  // including a valid padding count when P is set, fits in `size`.
  static std::optional<RtcpHeader> parse(const uint8_t* data, size_t size);
  // Writes a header without padding; packetSize must be a multiple of 4, >= 4.
  static void write(uint8_t* out, uint8_t count, uint8_t packetType, size_t packetSize);

  uint8_t count() const { return count_; }  // RC, SC or FMT
  uint8_t packetType() const { return packetType_; }
  bool padding() const { return padding_; }
  size_t packetSize() const { return packetSize_; }    // header included, padding included
  size_t contentSize() const { return contentSize_; }  // header included, padding excluded

 private:
  uint8_t count_ = 0;
  uint8_t packetType_ = 0;
  bool padding_ = false;
  size_t packetSize_ = 0;
  size_t contentSize_ = 0;
};

}  // namespace parley::media::rtcp
