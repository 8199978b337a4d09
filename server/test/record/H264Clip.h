#pragma once

// A real H.264 clip made by Debian's ffmpeg (libx264, as a WebRTC sender would encode it:
// constrained baseline, no B-frames, SPS and PPS before every IDR), and its access units as
// RTP in packetization mode 1 (RFC 6184): the parameter sets in one STAP-A, small NAL units
// alone, large ones in FU-A fragments. MPEG-TS keeps the units in Annex B form, which is what
// the recorder's FrameAssembler hands to MediaFileWriter.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "RtpClip.h"
#include "record/MediaFileReader.h"

namespace parley::record::recordtest {

// 3 s at 30 fps, an IDR every second, in an odd size that needs the SPS's cropping.
inline bool makeH264Clip(const std::filesystem::path& clip) {
  const std::string command =
      "ffmpeg -hide_banner -loglevel error -f lavfi -i testsrc=size=322x242:rate=30 -t 3 "
      "-c:v libx264 -profile:v baseline -pix_fmt yuv420p -g 30 -bf 0 -b:v 300k "
      "-x264-params repeat-headers=1 -an -f mpegts -y '" +
      clip.string() + "'";
  return std::system(command.c_str()) == 0;
}

// The NAL units of an Annex B access unit, without start codes.
inline std::vector<std::vector<std::uint8_t>> splitAnnexB(std::span<const std::uint8_t> unit) {
  std::vector<std::size_t> starts;  // first byte after each start code
  for (std::size_t i = 0; i + 3 <= unit.size(); ++i)
    if (unit[i] == 0 && unit[i + 1] == 0 && unit[i + 2] == 1) starts.push_back(i + 3);
  std::vector<std::vector<std::uint8_t>> nals;
  for (std::size_t k = 0; k < starts.size(); ++k) {
    std::size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : unit.size();
    while (end > starts[k] && unit[end - 1] == 0) --end;
    if (end > starts[k]) nals.emplace_back(unit.begin() + starts[k], unit.begin() + end);
  }
  return nals;
}

// Every access unit of the clip as RTP packets (payload type 102, 90 kHz), in send order.
// `fragments` counts the FU-A packets.
inline std::vector<RtpPacketOut> packetizeH264(MediaFileReader& reader, int* frames,
                                               int* fragments) {
  constexpr std::size_t kMaxPayload = 1100;
  std::vector<RtpPacketOut> out;
  std::uint16_t seq = 65400;  // crosses the wrap
  int index = 0;
  *fragments = 0;
  while (auto frame = reader.next()) {
    const auto ts = static_cast<std::uint32_t>(frame->ptsMs * 90);
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<std::uint8_t> stap = {0x78};
    for (auto& nal : splitAnnexB(frame->data)) {
      const int type = nal[0] & 0x1F;
      if (type == 7 || type == 8) {
        stap.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
        stap.push_back(static_cast<std::uint8_t>(nal.size()));
        stap.insert(stap.end(), nal.begin(), nal.end());
        continue;
      }
      if (stap.size() > 1) {
        payloads.push_back(std::move(stap));
        stap = {0x78};
      }
      if (nal.size() <= kMaxPayload) {
        payloads.push_back(std::move(nal));
        continue;
      }
      for (std::size_t off = 1; off < nal.size(); off += kMaxPayload - 2) {
        const std::size_t n = std::min(kMaxPayload - 2, nal.size() - off);
        std::uint8_t header = nal[0] & 0x1F;
        if (off == 1) header |= 0x80;
        if (off + n == nal.size()) header |= 0x40;
        std::vector<std::uint8_t> p = {static_cast<std::uint8_t>((nal[0] & 0xE0) | 28), header};
        p.insert(p.end(), nal.begin() + static_cast<std::ptrdiff_t>(off),
                 nal.begin() + static_cast<std::ptrdiff_t>(off + n));
        payloads.push_back(std::move(p));
        ++*fragments;
      }
    }
    if (stap.size() > 1) payloads.push_back(std::move(stap));
    for (std::size_t i = 0; i < payloads.size(); ++i) {
      auto p = rtp(102, i + 1 == payloads.size(), seq, ts, 3333);
      p.insert(p.end(), payloads[i].begin(), payloads[i].end());
      out.push_back({0, seq++, std::move(p), index});
    }
    ++index;
  }
  *frames = index;
  return out;
}

}  // namespace parley::record::recordtest
