#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace parley::media::codecs {

// The VP8 RTP payload descriptor (RFC 7741 section 4.2) at the start of an RTP payload,
// plus keyframe detection from the VP8 payload header that follows it. Parsing records
// field values and the offsets of the rewritable fields; the writers patch PictureID and
// TL0PICIDX in place (same width) so a forwarded stream stays continuous across simulcast
// layer switches. No allocation.
class Vp8PayloadDescriptor {
 public:
  // Parses the descriptor; nullopt when it is truncated or leaves no VP8 payload byte.
  static std::optional<Vp8PayloadDescriptor> parse(const uint8_t* data, size_t size);

  bool extended() const { return extended_; }           // X
  bool nonReference() const { return nonReference_; }   // N
  bool startOfPartition() const { return start_; }      // S
  uint8_t partitionId() const { return partitionId_; }  // PID
  bool beginningOfFrame() const { return start_ && partitionId_ == 0; }

  bool hasPictureId() const { return pictureIdOffset_ != 0; }  // I
  bool longPictureId() const { return longPictureId_; }        // M: 15 bits, else 7
  uint16_t pictureId() const { return pictureId_; }
  bool hasTl0PicIdx() const { return tl0Offset_ != 0; }  // L
  uint8_t tl0PicIdx() const { return tl0PicIdx_; }
  bool hasTid() const { return hasTid_; }  // T
  uint8_t tid() const { return tid_; }
  bool layerSync() const { return layerSync_; }  // Y
  bool hasKeyIdx() const { return hasKeyIdx_; }  // K
  uint8_t keyIdx() const { return keyIdx_; }

  // Descriptor length in bytes; the VP8 payload starts here.
  size_t size() const { return size_; }
  // Beginning of a frame whose VP8 payload header has P (inverse key frame flag) = 0.
  bool isKeyframe() const { return keyframe_; }

  // Rewrite the PictureID (masked to the field's 7 or 15 bits) / TL0PICIDX in the buffer
  // this descriptor was parsed from. False when the field is absent or `size` is too small.
  bool writePictureId(uint8_t* data, size_t size, uint16_t pictureId) const;
  bool writeTl0PicIdx(uint8_t* data, size_t size, uint8_t tl0PicIdx) const;

 private:
  Vp8PayloadDescriptor() = default;

  size_t size_ = 0;
  size_t pictureIdOffset_ = 0;  // 0: absent (the field never starts at byte 0)
  size_t tl0Offset_ = 0;
  uint16_t pictureId_ = 0;
  uint8_t partitionId_ = 0;
  uint8_t tl0PicIdx_ = 0;
  uint8_t tid_ = 0;
  uint8_t keyIdx_ = 0;
  bool extended_ = false;
  bool nonReference_ = false;
  bool start_ = false;
  bool longPictureId_ = false;
  bool hasTid_ = false;
  bool layerSync_ = false;
  bool hasKeyIdx_ = false;
  bool keyframe_ = false;
};

}  // namespace parley::media::codecs
