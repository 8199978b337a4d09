#include "media/codecs/Vp9PayloadDescriptor.h"

#include "media/ByteOrder.h"

namespace parley::media::codecs {

std::optional<Vp9PayloadDescriptor> Vp9PayloadDescriptor::parse(const uint8_t* data, size_t size) {
  if (data == nullptr || size < 1) return std::nullopt;
  Vp9PayloadDescriptor d;
  d.flags_ = data[0];  // |I|P|L|F|B|E|V|Z|
  size_t pos = 1;
  if (d.hasPictureId()) {
    if (pos >= size) return std::nullopt;
    if ((data[pos] & 0x80) != 0) {  // M: 15-bit PictureID
      if (size - pos < 2) return std::nullopt;
      d.longPictureId_ = true;
      d.pictureId_ = ByteOrder::read16(data + pos) & 0x7FFF;
      pos += 2;
    } else {
      d.pictureId_ = data[pos++] & 0x7F;
    }
  }
  if (d.hasLayerIndices()) {
    if (pos >= size) return std::nullopt;
    const uint8_t l = data[pos++];  // |TID|U|SID|D|
    d.tid_ = static_cast<uint8_t>(l >> 5);
    d.switchingUp_ = (l & 0x10) != 0;
    d.sid_ = static_cast<uint8_t>((l >> 1) & 0x07);
    d.interLayer_ = (l & 0x01) != 0;
    if (!d.flexibleMode()) {
      if (pos >= size) return std::nullopt;
      d.tl0PicIdx_ = data[pos++];
    }
  }
  if (d.flexibleMode() && d.interPicturePredicted()) {
    bool more = true;
    while (more) {  // |P_DIFF|N|
      if (pos >= size || d.referenceCount_ == kMaxReferences) return std::nullopt;
      const uint8_t r = data[pos++];
      d.pDiff_[d.referenceCount_++] = static_cast<uint8_t>(r >> 1);
      more = (r & 0x01) != 0;
    }
  }
  if (d.hasScalabilityStructure()) {
    if (pos >= size) return std::nullopt;
    const uint8_t ss = data[pos++];  // |N_S|Y|G|RES|
    const size_t layers = static_cast<size_t>(ss >> 5) + 1;
    if ((ss & 0x10) != 0) {  // Y: WIDTH(16) HEIGHT(16) per spatial layer
      if (size - pos < 4 * layers) return std::nullopt;
      pos += 4 * layers;
    }
    if ((ss & 0x08) != 0) {  // G: picture group description
      if (pos >= size) return std::nullopt;
      const size_t pictures = data[pos++];
      for (size_t i = 0; i < pictures; ++i) {
        if (pos >= size) return std::nullopt;
        const size_t refs = (data[pos++] >> 2) & 0x03;  // |TID|U|R|RES|
        if (size - pos < refs) return std::nullopt;
        pos += refs;
      }
    }
  }
  if (pos >= size) return std::nullopt;  // no VP9 frame data
  d.size_ = pos;
  return d;
}

}  // namespace parley::media::codecs
