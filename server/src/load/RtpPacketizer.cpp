#include "load/RtpPacketizer.h"

#include <span>

#include "load/AnnexB.h"

namespace parley::load {

namespace {

// Sizes of `count` near-equal parts of `total` bytes, the larger ones last (libwebrtc makes
// the first packet the smaller one as it also carries the header).
size_t partSize(size_t total, size_t count, size_t index) {
  const size_t base = total / count;
  const size_t larger = total % count;  // this many parts get one more byte
  return base + (index >= count - larger ? 1 : 0);
}

size_t partsFor(size_t total, size_t capacity) {
  return (total + capacity - 1) / capacity;
}

void packetizeVp8(const ClipFrame& frame, size_t maxPayload, PacketizedFrame& out) {
  const size_t capacity = maxPayload - RtpPacketizer::kVp8DescriptorSize;
  const size_t total = frame.data.size();
  const size_t count = std::max<size_t>(1, partsFor(total, capacity));
  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t size = partSize(total, count, i);
    std::vector<uint8_t> payload;
    payload.reserve(RtpPacketizer::kVp8DescriptorSize + size);
    payload.push_back(i == 0 ? 0x90 : 0x80);  // X=1, S on the first packet, PID=0
    payload.push_back(0x80);                  // I=1: a picture ID follows
    payload.push_back(0x80);                  // M=1: 15 bits, patched by the sender
    payload.push_back(0x00);
    payload.insert(payload.end(), frame.data.begin() + static_cast<ptrdiff_t>(offset),
                   frame.data.begin() + static_cast<ptrdiff_t>(offset + size));
    offset += size;
    out.payloads.push_back(std::move(payload));
  }
}

void packetizeH264(const ClipFrame& frame, size_t maxPayload, PacketizedFrame& out) {
  std::vector<std::span<const uint8_t>> nals;
  AnnexB::split(frame.data, nals);
  for (size_t n = 0; n < nals.size(); ++n) {
    const auto nal = nals[n];
    const uint8_t type = nal[0] & 0x1f;
    if (type == 9) continue;  // access unit delimiter

    // SPS and PPS (and any more parameter sets straight after) in one STAP-A.
    if (type == 7) {
      size_t end = n + 1;
      size_t size = 1 + 2 + nal.size();
      uint8_t nri = nal[0] & 0x60;
      while (end < nals.size() && ((nals[end][0] & 0x1f) == 7 || (nals[end][0] & 0x1f) == 8) &&
             size + 2 + nals[end].size() <= maxPayload && nals[end].size() <= 0xffff) {
        size += 2 + nals[end].size();
        nri = std::max<uint8_t>(nri, nals[end][0] & 0x60);
        ++end;
      }
      if (end > n + 1 && size <= maxPayload && nal.size() <= 0xffff) {
        std::vector<uint8_t> payload;
        payload.reserve(size);
        payload.push_back(static_cast<uint8_t>(nri | 24));
        for (size_t k = n; k < end; ++k) {
          payload.push_back(static_cast<uint8_t>(nals[k].size() >> 8));
          payload.push_back(static_cast<uint8_t>(nals[k].size() & 0xff));
          payload.insert(payload.end(), nals[k].begin(), nals[k].end());
        }
        out.payloads.push_back(std::move(payload));
        n = end - 1;
        continue;
      }
    }

    if (nal.size() <= maxPayload) {
      out.payloads.emplace_back(nal.begin(), nal.end());
      continue;
    }
    // FU-A: the NAL header's F and NRI in the indicator, its type in the FU header.
    const auto body = nal.subspan(1);
    const size_t capacity = maxPayload - 2;
    const size_t count = partsFor(body.size(), capacity);
    size_t offset = 0;
    for (size_t i = 0; i < count; ++i) {
      const size_t size = partSize(body.size(), count, i);
      std::vector<uint8_t> payload;
      payload.reserve(2 + size);
      payload.push_back(static_cast<uint8_t>((nal[0] & 0xe0) | 28));
      payload.push_back(
          static_cast<uint8_t>((i == 0 ? 0x80 : 0) | (i + 1 == count ? 0x40 : 0) | type));
      payload.insert(payload.end(), body.begin() + static_cast<ptrdiff_t>(offset),
                     body.begin() + static_cast<ptrdiff_t>(offset + size));
      offset += size;
      out.payloads.push_back(std::move(payload));
    }
  }
}

}  // namespace

std::vector<PacketizedFrame> RtpPacketizer::packetize(const MediaClip& clip, ClipCodec codec,
                                                      size_t maxPayload) {
  std::vector<PacketizedFrame> frames;
  if (maxPayload < kMinPayload) return frames;
  frames.reserve(clip.frames().size());
  for (const ClipFrame& frame : clip.frames()) {
    PacketizedFrame out;
    out.keyframe = frame.keyframe;
    out.duration = frame.duration;
    switch (codec) {
      case ClipCodec::Vp8:
        packetizeVp8(frame, maxPayload, out);
        break;
      case ClipCodec::H264:
        packetizeH264(frame, maxPayload, out);
        break;
      case ClipCodec::Opus:
        out.payloads.push_back(frame.data);
        break;
    }
    frames.push_back(std::move(out));
  }
  return frames;
}

}  // namespace parley::load
