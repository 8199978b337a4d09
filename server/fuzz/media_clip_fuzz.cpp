// MediaClip::parse on arbitrary bytes for each codec (IVF/VP8, Annex B/H.264, Ogg/Opus), then
// RtpPacketizer on whatever it accepts. Parsing must stay in bounds; an accepted clip must keep
// its promises (frames, a keyframe, positive durations) and packetize within the payload size,
// VP8 payloads reassembling into the frame and H.264 ones parsing as mode 1 payloads. For Ogg
// the page checksums are recomputed first, or almost no mutated input would get past them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "load/MediaClip.h"
#include "load/RtpPacketizer.h"
#include "media/codecs/H264Payload.h"
#include "media/codecs/Vp8PayloadDescriptor.h"

namespace {

using parley::load::ClipCodec;

uint32_t oggCrc(const uint8_t* data, size_t size) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t r = i << 24;
      for (int b = 0; b < 8; ++b) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
      t[i] = r;
    }
    return t;
  }();
  uint32_t crc = 0;
  for (size_t i = 0; i < size; ++i) crc = (crc << 8) ^ table[((crc >> 24) ^ data[i]) & 0xff];
  return crc;
}

// Rewrites the checksum of every complete page found by walking page headers from the start.
void fixOggChecksums(std::vector<uint8_t>& bytes) {
  size_t pos = 0;
  while (bytes.size() - pos >= 27) {
    uint8_t* page = bytes.data() + pos;
    const size_t segments = page[26];
    if (bytes.size() - pos < 27 + segments) return;
    size_t size = 27 + segments;
    for (size_t i = 0; i < segments; ++i) size += page[27 + i];
    if (bytes.size() - pos < size) return;
    page[22] = page[23] = page[24] = page[25] = 0;
    const uint32_t crc = oggCrc(page, size);
    for (int i = 0; i < 4; ++i) page[22 + i] = static_cast<uint8_t>(crc >> (8 * i));
    pos += size;
  }
}

void check(const parley::load::MediaClip& clip, ClipCodec codec, size_t maxPayload) {
  using parley::load::RtpPacketizer;
  const auto& frames = clip.frames();
  if (frames.empty()) std::abort();
  bool keyframe = false;
  for (const auto& frame : frames) {
    if (frame.duration == 0 || frame.data.empty()) std::abort();
    keyframe |= frame.keyframe;
  }
  if (!keyframe || !frames[clip.nextKeyframe(frames.size() / 2)].keyframe) std::abort();

  const auto packets = RtpPacketizer::packetize(clip, codec, maxPayload);
  if (packets.size() != frames.size()) std::abort();
  for (size_t f = 0; f < packets.size(); ++f) {
    std::vector<uint8_t> joined;
    for (const auto& payload : packets[f].payloads) {
      if (codec == ClipCodec::Opus) continue;
      if (payload.size() > maxPayload) std::abort();
      if (codec == ClipCodec::Vp8) {
        if (!parley::media::codecs::Vp8PayloadDescriptor::parse(payload.data(), payload.size()))
          std::abort();
        joined.insert(joined.end(), payload.begin() + RtpPacketizer::kVp8DescriptorSize,
                      payload.end());
      } else if (!parley::media::codecs::H264Payload::parse(payload.data(), payload.size())) {
        std::abort();
      }
    }
    if (codec == ClipCodec::Vp8 && joined != frames[f].data) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const ClipCodec codec = static_cast<ClipCodec>(data[0] % 3);
  const size_t maxPayload = 16 + data[1] * 5;  // 16 .. 1291
  std::vector<uint8_t> bytes(data + 2, data + size);
  if (codec == ClipCodec::Opus) fixOggChecksums(bytes);
  std::string error;
  const auto clip = parley::load::MediaClip::parse(bytes, codec, &error, 1 + data[1] % 60);
  if (!clip) {
    if (error.empty()) std::abort();
    return 0;
  }
  check(*clip, codec, maxPayload);
  return 0;
}
