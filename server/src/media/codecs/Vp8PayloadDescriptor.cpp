#include "media/codecs/Vp8PayloadDescriptor.h"

#include "media/ByteOrder.h"

namespace parley::media::codecs {

std::optional<Vp8PayloadDescriptor> Vp8PayloadDescriptor::parse(const uint8_t* data, size_t size) {
  if (data == nullptr || size < 1) return std::nullopt;
  Vp8PayloadDescriptor d;
  const uint8_t b0 = data[0];  // |X|R|N|S|R| PID |
  d.extended_ = (b0 & 0x80) != 0;
  d.nonReference_ = (b0 & 0x20) != 0;
  d.start_ = (b0 & 0x10) != 0;
  d.partitionId_ = b0 & 0x07;
  size_t pos = 1;
  if (d.extended_) {
    if (pos >= size) return std::nullopt;
    const uint8_t x = data[pos++];  // |I|L|T|K| RSV |
    const bool hasI = (x & 0x80) != 0;
    const bool hasL = (x & 0x40) != 0;
    d.hasTid_ = (x & 0x20) != 0;
    d.hasKeyIdx_ = (x & 0x10) != 0;
    if (hasI) {
      if (pos >= size) return std::nullopt;
      d.pictureIdOffset_ = pos;
      if ((data[pos] & 0x80) != 0) {  // M: 15-bit PictureID
        if (size - pos < 2) return std::nullopt;
        d.longPictureId_ = true;
        d.pictureId_ = ByteOrder::read16(data + pos) & 0x7FFF;
        pos += 2;
      } else {
        d.pictureId_ = data[pos] & 0x7F;
        pos += 1;
      }
    }
    if (hasL) {
      if (pos >= size) return std::nullopt;
      d.tl0Offset_ = pos;
      d.tl0PicIdx_ = data[pos++];
    }
    if (d.hasTid_ || d.hasKeyIdx_) {
      if (pos >= size) return std::nullopt;
      const uint8_t t = data[pos++];  // |TID|Y| KEYIDX |
      if (d.hasTid_) {
        d.tid_ = static_cast<uint8_t>(t >> 6);
        d.layerSync_ = (t & 0x20) != 0;
      }
      if (d.hasKeyIdx_) d.keyIdx_ = t & 0x1F;
    }
  }
  if (pos >= size) return std::nullopt;  // no VP8 payload
  d.size_ = pos;
  // VP8 payload header (RFC 7741 section 4.3): |Size0|H| VER |P|, P = 0 on key frames.
  d.keyframe_ = d.beginningOfFrame() && (data[pos] & 0x01) == 0;
  return d;
}

bool Vp8PayloadDescriptor::writePictureId(uint8_t* data, size_t size, uint16_t pictureId) const {
  if (data == nullptr || pictureIdOffset_ == 0 || size < size_) return false;
  if (longPictureId_) {
    ByteOrder::write16(data + pictureIdOffset_,
                       static_cast<uint16_t>(0x8000 | (pictureId & 0x7FFF)));
  } else {
    data[pictureIdOffset_] = static_cast<uint8_t>(pictureId & 0x7F);
  }
  return true;
}

bool Vp8PayloadDescriptor::writeTl0PicIdx(uint8_t* data, size_t size, uint8_t tl0PicIdx) const {
  if (data == nullptr || tl0Offset_ == 0 || size < size_) return false;
  data[tl0Offset_] = tl0PicIdx;
  return true;
}

}  // namespace parley::media::codecs
