#include "media/codecs/H264Payload.h"

#include "media/ByteOrder.h"

namespace parley::media::codecs {

namespace {

constexpr uint8_t kForbiddenBit = 0x80;
constexpr uint8_t kTypeMask = 0x1F;

bool isSingleNalType(uint8_t type) {
  return type >= 1 && type <= 23;
}

}  // namespace

void H264Payload::note(uint8_t type) {
  if (type == kNalIdr) containsIdr_ = true;
  if (type == kNalSps) containsSps_ = true;
  if (type == kNalPps) containsPps_ = true;
}

std::optional<H264Payload> H264Payload::parse(const uint8_t* data, size_t size) {
  if (data == nullptr || size < 1) return std::nullopt;
  const uint8_t header = data[0];  // |F|NRI|Type|
  if ((header & kForbiddenBit) != 0) return std::nullopt;
  H264Payload p;
  p.nri_ = static_cast<uint8_t>((header >> 5) & 0x03);
  const uint8_t type = header & kTypeMask;

  if (isSingleNalType(type)) {
    p.kind_ = Kind::kSingleNal;
    p.nalType_ = type;
    p.nalCount_ = 1;
    p.note(type);
    return p;
  }

  if (type == kNalStapA) {
    // |STAP-A header| (|NALU size (16)| NAL unit |)+ — the units must fill the payload.
    p.kind_ = Kind::kStapA;
    size_t pos = 1;
    while (pos < size) {
      if (size - pos < 2) return std::nullopt;
      const size_t len = ByteOrder::read16(data + pos);
      pos += 2;
      if (len == 0 || len > size - pos) return std::nullopt;
      const uint8_t nal = data[pos];
      if ((nal & kForbiddenBit) != 0) return std::nullopt;
      const uint8_t nalType = nal & kTypeMask;
      if (!isSingleNalType(nalType)) return std::nullopt;
      if (p.nalCount_ == 0) p.nalType_ = nalType;
      p.note(nalType);
      ++p.nalCount_;
      pos += len;
    }
    if (p.nalCount_ == 0) return std::nullopt;
    return p;
  }

  if (type == kNalFuA) {
    // |FU indicator|FU header: S|E|R|Type| fragment...
    if (size < 3) return std::nullopt;
    const uint8_t fu = data[1];
    p.kind_ = Kind::kFuA;
    p.fragmentStart_ = (fu & 0x80) != 0;
    p.fragmentEnd_ = (fu & 0x40) != 0;
    if (p.fragmentStart_ && p.fragmentEnd_) return std::nullopt;  // RFC 6184 5.8
    p.nalType_ = fu & kTypeMask;
    if (!isSingleNalType(p.nalType_)) return std::nullopt;
    p.nalCount_ = 1;
    if (p.fragmentStart_) p.note(p.nalType_);
    return p;
  }

  return std::nullopt;
}

}  // namespace parley::media::codecs
