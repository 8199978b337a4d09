#include "media/codecs/H264Sps.h"

namespace parley::media::codecs {

namespace {

// Reads bits of an RBSP straight from its NAL unit: a 0x03 that follows two zero bytes is
// an emulation-prevention byte (H.264 §7.4.1) and is skipped. Running past the end sets
// failed() and yields zeros, so a parse checks once per field group rather than per bit.
class RbspBits {
 public:
  RbspBits(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool failed() const { return failed_; }

  std::uint32_t bit() {
    if (bitsLeft_ == 0) {
      if (!loadByte()) return 0;
    }
    --bitsLeft_;
    return (current_ >> bitsLeft_) & 1u;
  }

  std::uint32_t bits(int n) {
    std::uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }

  // ue(v). Codes longer than 32 bits exceed every field of an SPS: a failure.
  std::uint32_t ue() {
    int zeros = 0;
    while (bit() == 0) {
      if (failed_) return 0;
      if (++zeros > 31) {
        failed_ = true;
        return 0;
      }
    }
    const std::uint64_t value = (std::uint64_t{1} << zeros) - 1 + bits(zeros);
    return static_cast<std::uint32_t>(value);
  }

  // se(v), mapped as §9.1.1 says: 1, -1, 2, -2...
  std::int64_t se() {
    const std::uint32_t k = ue();
    const auto magnitude = static_cast<std::int64_t>((std::uint64_t{k} + 1) / 2);
    return (k & 1) ? magnitude : -magnitude;
  }

 private:
  bool loadByte() {
    if (pos_ >= size_) {
      failed_ = true;
      return false;
    }
    std::uint8_t b = data_[pos_++];
    if (zeros_ >= 2 && b == 0x03) {
      zeros_ = 0;
      if (pos_ >= size_) {
        failed_ = true;
        return false;
      }
      b = data_[pos_++];
    }
    zeros_ = b == 0 ? zeros_ + 1 : 0;
    current_ = b;
    bitsLeft_ = 8;
    return true;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  int zeros_ = 0;
  std::uint8_t current_ = 0;
  int bitsLeft_ = 0;
  bool failed_ = false;
};

// High profiles carry chroma format, bit depths and scaling matrices before the rest.
bool hasChromaInfo(std::uint8_t profile) {
  switch (profile) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// A scaling_list() (§7.3.2.1.1.1): only read past, its values do not matter here.
bool skipScalingList(RbspBits& r, int size) {
  std::int64_t last = 8;
  std::int64_t next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      const std::int64_t delta = r.se();
      if (r.failed() || delta < -128 || delta > 127) return false;
      next = (last + delta + 256) % 256;
    }
    if (next != 0) last = next;
  }
  return true;
}

}  // namespace

std::optional<H264Sps> H264Sps::parse(const std::uint8_t* nal, std::size_t size) {
  if (nal == nullptr || size < 4) return std::nullopt;
  if ((nal[0] & 0x80) != 0 || (nal[0] & 0x1F) != 7) return std::nullopt;
  RbspBits r(nal + 1, size - 1);
  H264Sps sps;
  sps.profileIdc_ = static_cast<std::uint8_t>(r.bits(8));
  sps.constraintFlags_ = static_cast<std::uint8_t>(r.bits(8));
  sps.levelIdc_ = static_cast<std::uint8_t>(r.bits(8));
  if (r.ue() > 31) return std::nullopt;  // seq_parameter_set_id
  bool separateColourPlanes = false;
  if (hasChromaInfo(sps.profileIdc_)) {
    sps.chromaFormatIdc_ = r.ue();
    if (sps.chromaFormatIdc_ > 3) return std::nullopt;
    if (sps.chromaFormatIdc_ == 3) separateColourPlanes = r.bit() != 0;
    if (r.ue() > 6 || r.ue() > 6) return std::nullopt;  // bit depths of luma and chroma - 8
    r.bit();                                            // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {                                      // seq_scaling_matrix_present_flag
      const int lists = sps.chromaFormatIdc_ != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i)
        if (r.bit() && !skipScalingList(r, i < 6 ? 16 : 64)) return std::nullopt;
    }
  }
  if (r.ue() > 12) return std::nullopt;  // log2_max_frame_num_minus4
  const std::uint32_t pocType = r.ue();
  if (pocType > 2) return std::nullopt;
  if (pocType == 0) {
    if (r.ue() > 12) return std::nullopt;  // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType == 1) {
    r.bit();  // delta_pic_order_always_zero_flag
    r.se();   // offset_for_non_ref_pic
    r.se();   // offset_for_top_to_bottom_field
    const std::uint32_t cycle = r.ue();
    if (cycle > 255) return std::nullopt;
    for (std::uint32_t i = 0; i < cycle && !r.failed(); ++i) r.se();
  }
  r.ue();                                     // max_num_ref_frames
  r.bit();                                    // gaps_in_frame_num_value_allowed_flag
  const std::uint32_t widthMbs = r.ue() + 1;  // ue() stays below 2^32 - 1
  const std::uint32_t heightMapUnits = r.ue() + 1;
  sps.frameMbsOnly_ = r.bit() != 0;
  if (!sps.frameMbsOnly_) r.bit();       // mb_adaptive_frame_field_flag
  r.bit();                               // direct_8x8_inference_flag
  std::uint32_t crop[4] = {0, 0, 0, 0};  // left, right, top, bottom
  if (r.bit())
    for (auto& c : crop) c = r.ue();
  if (r.failed()) return std::nullopt;

  constexpr std::uint32_t kMaxMbs = kMaxSide / 16;
  const std::uint32_t fieldFactor = sps.frameMbsOnly_ ? 1 : 2;
  if (widthMbs == 0 || widthMbs > kMaxMbs || heightMapUnits == 0 ||
      heightMapUnits > kMaxMbs / fieldFactor)
    return std::nullopt;
  // Cropping counts in chroma samples (§7.4.2.1.1): units of 1 or 2 pixels per side.
  const unsigned chromaArrayType = separateColourPlanes ? 0 : sps.chromaFormatIdc_;
  const std::uint32_t cropUnitX = (chromaArrayType == 1 || chromaArrayType == 2) ? 2 : 1;
  const std::uint32_t cropUnitY = (chromaArrayType == 1 ? 2 : 1) * fieldFactor;
  const std::uint64_t width = std::uint64_t{widthMbs} * 16;
  const std::uint64_t height = std::uint64_t{heightMapUnits} * fieldFactor * 16;
  const std::uint64_t cropX = cropUnitX * (std::uint64_t{crop[0]} + crop[1]);
  const std::uint64_t cropY = cropUnitY * (std::uint64_t{crop[2]} + crop[3]);
  if (cropX >= width || cropY >= height) return std::nullopt;
  sps.width_ = static_cast<int>(width - cropX);
  sps.height_ = static_cast<int>(height - cropY);
  return sps;
}

}  // namespace parley::media::codecs
