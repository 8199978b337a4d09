#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::codecs {

// The VP9 RTP payload descriptor (RFC 9628 section 4.2), flexible (F=1) and
// non-flexible (F=0) modes, including the scalability structure (V=1), which is
// validated and skipped. No allocation.
class Vp9PayloadDescriptor {
 public:
  static constexpr size_t kMaxReferences = 3;  // P_DIFF entries in flexible mode

  // nullopt when truncated, when flexible mode lists more than three
  // references, or when nothing of the VP9 frame follows the descriptor.
  static std::optional<Vp9PayloadDescriptor> parse(const uint8_t* data, size_t size);

  bool interPicturePredicted() const { return (flags_ & 0x40) != 0; }      // P
  bool flexibleMode() const { return (flags_ & 0x10) != 0; }               // F
  bool beginningOfFrame() const { return (flags_ & 0x08) != 0; }           // B
  bool endOfFrame() const { return (flags_ & 0x04) != 0; }                 // E
  bool hasScalabilityStructure() const { return (flags_ & 0x02) != 0; }    // V
  bool notReferenceForUpperLayer() const { return (flags_ & 0x01) != 0; }  // Z

  bool hasPictureId() const { return (flags_ & 0x80) != 0; }  // I
  bool longPictureId() const { return longPictureId_; }
  uint16_t pictureId() const { return pictureId_; }
  bool hasLayerIndices() const { return (flags_ & 0x20) != 0; }  // L
  uint8_t temporalId() const { return tid_; }
  bool switchingUpPoint() const { return switchingUp_; }  // U
  uint8_t spatialId() const { return sid_; }
  bool interLayerDependency() const { return interLayer_; }  // D
  bool hasTl0PicIdx() const { return hasLayerIndices() && !flexibleMode(); }
  uint8_t tl0PicIdx() const { return tl0PicIdx_; }
  size_t referenceCount() const { return referenceCount_; }
  uint8_t referenceDiff(size_t index) const { return pDiff_[index]; }  // index < count

  size_t size() const { return size_; }  // the VP9 frame data starts here
  // A key picture of the base spatial layer: !P && B && SID == 0.
  bool isKeyframe() const { return !interPicturePredicted() && beginningOfFrame() && sid_ == 0; }

 private:
  Vp9PayloadDescriptor() = default;

  size_t size_ = 0;
  size_t referenceCount_ = 0;
  uint16_t pictureId_ = 0;
  uint8_t pDiff_[kMaxReferences] = {0, 0, 0};
  uint8_t flags_ = 0;
  uint8_t tid_ = 0;
  uint8_t sid_ = 0;
  uint8_t tl0PicIdx_ = 0;
  bool longPictureId_ = false;
  bool switchingUp_ = false;
  bool interLayer_ = false;
};

}  // namespace parley::media::codecs
