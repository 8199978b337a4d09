#pragma once

// A real VP8+Opus clip made by Debian's ffmpeg, and its frames as a publisher would send
// them over RTP: shared by the record/ tests and the recording benchmarks (no GoogleTest
// here, the benchmarks do not link it).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "record/MediaFileReader.h"
#include "record/PacketRing.h"

namespace parley::record::recordtest {

struct ClipOptions {
  std::string video = "testsrc=size=320x240:rate=30";  // an ffmpeg lavfi graph
  int seconds = 3;
  std::string videoBitrate = "300k";
  int keyframeInterval = 30;          // frames
  bool realtimeEncoder = false;       // libvpx's fastest settings: for large clips
  std::string videoCodec = "libvpx";  // or "libvpx-vp9"
};

// VP8 (a keyframe every second by default) and stereo Opus, in `clip`.
inline bool makeClip(const std::filesystem::path& clip, const ClipOptions& o = {}) {
  const std::string command = "ffmpeg -hide_banner -loglevel error -f lavfi -i '" + o.video +
                              "' -f lavfi -i sine=frequency=440:sample_rate=48000 -t " +
                              std::to_string(o.seconds) + " -c:v " + o.videoCodec + " -b:v " +
                              o.videoBitrate + " -g " + std::to_string(o.keyframeInterval) +
                              (o.realtimeEncoder ? " -deadline realtime -cpu-used 8" : "") +
                              " -c:a libopus -ac 2 -y '" + clip.string() + "'";
  return std::system(command.c_str()) == 0;
}

struct RtpPacketOut {
  std::size_t track;
  std::uint16_t sequence;
  std::vector<std::uint8_t> bytes;
  int frameIndex;  // index of the video frame it carries (-1 for audio)
};

inline std::vector<std::uint8_t> rtp(std::uint8_t payloadType, bool marker, std::uint16_t seq,
                                     std::uint32_t ts, std::uint32_t ssrc) {
  return {0x80,
          static_cast<std::uint8_t>((marker ? 0x80 : 0) | payloadType),
          static_cast<std::uint8_t>(seq >> 8),
          static_cast<std::uint8_t>(seq),
          static_cast<std::uint8_t>(ts >> 24),
          static_cast<std::uint8_t>(ts >> 16),
          static_cast<std::uint8_t>(ts >> 8),
          static_cast<std::uint8_t>(ts),
          static_cast<std::uint8_t>(ssrc >> 24),
          static_cast<std::uint8_t>(ssrc >> 16),
          static_cast<std::uint8_t>(ssrc >> 8),
          static_cast<std::uint8_t>(ssrc)};
}

// Every frame of the clip as RTP, per track, in send order. Sequence numbers start near
// the 16-bit wrap so that the test crosses it.
inline std::vector<RtpPacketOut> packetize(MediaFileReader& reader, int* videoFrames) {
  std::vector<RtpPacketOut> out;
  std::uint16_t seq[2] = {65500, 65000};
  int index = 0;
  while (auto frame = reader.next()) {
    const bool video = reader.tracks()[frame->track].isVideo();
    const std::size_t t = video ? 0 : 1;
    if (!video) {
      auto p = rtp(111, true, seq[t], static_cast<std::uint32_t>(frame->ptsMs * 48), 2222);
      p.insert(p.end(), frame->data.begin(), frame->data.end());
      out.push_back({frame->track, seq[t]++, std::move(p), -1});
      continue;
    }
    // A 1-byte payload descriptor. VP8: S=1 and PID 0 on the first packet of the frame. VP9
    // (one spatial layer, non-flexible, no picture id): B on the first, E on the last, P on
    // every packet of an inter frame.
    const bool vp9 = reader.tracks()[frame->track].codec == TrackFormat::Codec::Vp9;
    const std::size_t chunk = 700;
    for (std::size_t off = 0; off < frame->data.size(); off += chunk) {
      const std::size_t n = std::min(chunk, frame->data.size() - off);
      const bool last = off + n == frame->data.size();
      auto p = rtp(96, last, seq[t], static_cast<std::uint32_t>(frame->ptsMs * 90), 1111);
      if (vp9)
        p.push_back(static_cast<std::uint8_t>((off == 0 ? 0x08 : 0) | (last ? 0x04 : 0) |
                                              (frame->keyframe ? 0 : 0x40)));
      else
        p.push_back(off == 0 ? 0x10 : 0x00);
      p.insert(p.end(), frame->data.begin() + static_cast<std::ptrdiff_t>(off),
               frame->data.begin() + static_cast<std::ptrdiff_t>(off + n));
      out.push_back({frame->track, seq[t]++, std::move(p), index});
    }
    ++index;
  }
  *videoFrames = index;
  return out;
}

// When the packet's frame was captured, in µs from the clip's start: packetize() gives
// video (track 0) a 90 kHz clock and audio 48 kHz. Opus may start a few ms before zero:
// its timestamp is then just below the wrap, read as negative.
inline std::int64_t capturedUs(const RtpPacketOut& p) {
  const std::uint32_t ts = (std::uint32_t(p.bytes[4]) << 24) | (std::uint32_t(p.bytes[5]) << 16) |
                           (std::uint32_t(p.bytes[6]) << 8) | p.bytes[7];
  return std::int64_t(static_cast<std::int32_t>(ts)) * 1000 / (p.track == 0 ? 90 : 48);
}

// The packets as a worker queues them for the recorder: each arrives when its frame was
// captured, never before the one queued before it, the first at `firstUs`. False when a
// packet does not fit a ring slot.
inline bool toRingPackets(const std::vector<RtpPacketOut>& rtp, std::int64_t firstUs,
                          std::vector<PacketRing::Packet>* out) {
  out->resize(rtp.size());
  std::int64_t arrivalUs = INT64_MIN / 2;
  std::int64_t startUs = 0;
  for (std::size_t i = 0; i < rtp.size(); ++i) {
    arrivalUs = std::max(arrivalUs + 1, capturedUs(rtp[i]));
    if (i == 0) startUs = arrivalUs;
    PacketRing::Packet& p = (*out)[i];
    if (rtp[i].bytes.size() > p.bytes.size()) return false;
    p.arrivalUs = arrivalUs - startUs + firstUs;
    p.size = static_cast<std::uint32_t>(rtp[i].bytes.size());
    p.track = static_cast<std::uint8_t>(rtp[i].track == 0 ? 0 : 1);
    std::memcpy(p.bytes.data(), rtp[i].bytes.data(), rtp[i].bytes.size());
  }
  return true;
}

}  // namespace parley::record::recordtest
