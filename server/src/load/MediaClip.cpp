#include "load/MediaClip.h"

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>

#include "load/AnnexB.h"
#include "media/codecs/H264Sps.h"

namespace parley::load {

namespace {

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint64_t le64(const uint8_t* p) {
  return le32(p) | static_cast<uint64_t>(le32(p + 4)) << 32;
}

// The longest frame a clip may hold, in ticks of either clock: ten seconds at 90 kHz.
constexpr uint32_t kMaxFrameTicks = 900000;

bool fail(std::string& error, std::string message) {
  error = std::move(message);
  return false;
}

// Ogg's CRC-32 (RFC 3533 section 6): polynomial 0x04c11db7, not reflected, initial value 0.
constexpr std::array<uint32_t, 256> makeOggCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t r = i << 24;
    for (int bit = 0; bit < 8; ++bit) r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : r << 1;
    table[i] = r;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kOggCrcTable = makeOggCrcTable();

// The page's checksum, computed with its own CRC field (bytes 22..25) taken as zero.
uint32_t oggPageCrc(std::span<const uint8_t> page) {
  uint32_t crc = 0;
  for (size_t i = 0; i < page.size(); ++i) {
    const uint8_t byte = (i >= 22 && i < 26) ? 0 : page[i];
    crc = (crc << 8) ^ kOggCrcTable[((crc >> 24) ^ byte) & 0xff];
  }
  return crc;
}

}  // namespace

uint32_t MediaClip::opusPacketSamples(std::span<const uint8_t> packet) {
  if (packet.empty()) return 0;
  const uint8_t toc = packet[0];
  const unsigned config = toc >> 3;
  uint32_t frameSamples;
  if (config < 12) {  // SILK-only: 10, 20, 40, 60 ms
    static constexpr uint32_t kSilk[4] = {480, 960, 1920, 2880};
    frameSamples = kSilk[config % 4];
  } else if (config < 16) {  // hybrid: 10, 20 ms
    frameSamples = (config % 2) ? 960 : 480;
  } else {  // CELT-only: 2.5, 5, 10, 20 ms
    static constexpr uint32_t kCelt[4] = {120, 240, 480, 960};
    frameSamples = kCelt[config % 4];
  }
  uint32_t frames;
  switch (toc & 3) {
    case 0:
      frames = 1;
      break;
    case 1:  // two frames of equal size
      if ((packet.size() - 1) % 2 != 0) return 0;
      frames = 2;
      break;
    case 2:  // two frames, the first one's length follows the TOC
      if (packet.size() < 2) return 0;
      frames = 2;
      break;
    default:  // code 3: the frame count is in the next byte
      if (packet.size() < 2) return 0;
      frames = packet[1] & 0x3f;
      if (frames == 0) return 0;
      break;
  }
  const uint32_t samples = frames * frameSamples;
  return samples <= 5760 ? samples : 0;  // a packet lasts at most 120 ms
}

namespace {

std::string hexOffset(size_t offset) {
  return "offset " + std::to_string(offset);
}

}  // namespace

std::optional<MediaClip> MediaClip::load(const std::string& path, ClipCodec codec,
                                         std::string* error, double frameRate) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  std::string why;
  if (!file) {
    why = path + ": cannot open";
  } else {
    const std::streamoff size = file.tellg();
    if (size < 0) {
      why = path + ": cannot read";
    } else if (static_cast<uint64_t>(size) > kMaxFileSize) {
      why = path + ": larger than " + std::to_string(kMaxFileSize >> 20) + " MiB";
    } else {
      std::vector<uint8_t> bytes(static_cast<size_t>(size));
      file.seekg(0);
      if (!file.read(reinterpret_cast<char*>(bytes.data()), size)) {
        why = path + ": cannot read";
      } else {
        auto clip = parse(bytes, codec, &why, frameRate);
        if (clip) return clip;
        why = path + ": " + why;
      }
    }
  }
  if (error) *error = why;
  return std::nullopt;
}

std::optional<MediaClip> MediaClip::parse(std::span<const uint8_t> bytes, ClipCodec codec,
                                          std::string* error, double frameRate) {
  MediaClip clip(codec);
  std::string why;
  bool ok = false;
  switch (codec) {
    case ClipCodec::Vp8:
      ok = clip.parseIvf(bytes, why);
      break;
    case ClipCodec::H264:
      ok = clip.parseAnnexB(bytes, frameRate, why);
      break;
    case ClipCodec::Opus:
      ok = clip.parseOgg(bytes, why);
      break;
  }
  if (ok && clip.frames_.empty()) ok = fail(why, "no frames");
  if (ok) {
    bool anyKeyframe = false;
    for (const ClipFrame& frame : clip.frames_) anyKeyframe |= frame.keyframe;
    if (!anyKeyframe) ok = fail(why, "no keyframe");
  }
  if (ok) return clip;
  if (error) *error = why;
  return std::nullopt;
}

size_t MediaClip::nextKeyframe(size_t from) const {
  const size_t n = frames_.size();
  if (n == 0) return 0;
  if (from >= n) from = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t index = (from + i) % n;
    if (frames_[index].keyframe) return index;
  }
  return from;  // unreachable for a parsed clip: parse() refuses clips without a keyframe
}

uint64_t MediaClip::totalDuration() const {
  uint64_t total = 0;
  for (const ClipFrame& frame : frames_) total += frame.duration;
  return total;
}

// IVF: a 32-byte file header ("DKIF", version, header size, fourcc, width, height, time base
// denominator and numerator, frame count), then per frame a 4-byte size and an 8-byte
// timestamp in time base units, then the frame.
bool MediaClip::parseIvf(std::span<const uint8_t> bytes, std::string& error) {
  const uint8_t* p = bytes.data();
  if (bytes.size() < 32) return fail(error, "IVF: shorter than its 32-byte header");
  if (std::memcmp(p, "DKIF", 4) != 0) return fail(error, "not an IVF file (no DKIF signature)");
  if (le16(p + 4) != 0) return fail(error, "IVF: unknown version " + std::to_string(le16(p + 4)));
  const size_t headerSize = le16(p + 6);
  if (headerSize < 32 || headerSize > bytes.size())
    return fail(error, "IVF: bad header size " + std::to_string(headerSize));
  if (std::memcmp(p + 8, "VP80", 4) != 0) return fail(error, "IVF: the stream is not VP8");
  width_ = le16(p + 12);
  height_ = le16(p + 14);
  const uint32_t rate = le32(p + 16);   // time base denominator
  const uint32_t scale = le32(p + 20);  // time base numerator
  if (rate == 0 || scale == 0) return fail(error, "IVF: zero time base");
  const double ticksPerUnit = 90000.0 * scale / rate;

  std::vector<uint64_t> timestamps;
  size_t pos = headerSize;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 12)
      return fail(error, "IVF: frame header cut short at " + hexOffset(pos));
    const uint32_t size = le32(p + pos);
    const uint64_t timestamp = le64(p + pos + 4);
    pos += 12;
    if (size > bytes.size() - pos)
      return fail(error, "IVF: frame at " + hexOffset(pos - 12) + " cut short");
    const uint8_t* f = p + pos;
    // The VP8 frame tag (RFC 6386 section 9.1): key frame bit, version, show flag, size of the
    // first partition; a key frame then has the start code 9d 01 2a and its dimensions.
    if (size < 3) return fail(error, "IVF: frame at " + hexOffset(pos - 12) + " too short");
    const bool keyframe = (f[0] & 1) == 0;
    const unsigned version = (f[0] >> 1) & 7;
    const uint32_t firstPartition = (f[0] | f[1] << 8 | f[2] << 16) >> 5;
    const size_t headerBytes = keyframe ? 10 : 3;
    if (version > 3 || size < headerBytes || firstPartition > size - headerBytes ||
        (keyframe && (f[3] != 0x9d || f[4] != 0x01 || f[5] != 0x2a)))
      return fail(error, "IVF: frame at " + hexOffset(pos - 12) + " is not VP8");
    ClipFrame frame;
    frame.data.assign(f, f + size);
    frame.keyframe = keyframe;
    frames_.push_back(std::move(frame));
    timestamps.push_back(timestamp);
    pos += size;
  }

  // Each frame lasts until the next one's timestamp; the last as long as the one before it. A
  // stream whose timestamps do not increase plausibly falls back to the header's frame rate.
  bool fromTimestamps = frames_.size() > 1;
  for (size_t i = 0; i + 1 < frames_.size() && fromTimestamps; ++i) {
    if (timestamps[i + 1] <= timestamps[i]) {
      fromTimestamps = false;
      break;
    }
    const double ticks =
        std::round(static_cast<double>(timestamps[i + 1] - timestamps[i]) * ticksPerUnit);
    if (!(ticks >= 1 && ticks <= kMaxFrameTicks)) {
      fromTimestamps = false;
      break;
    }
    frames_[i].duration = static_cast<uint32_t>(ticks);
  }
  if (fromTimestamps) {
    frames_.back().duration = frames_[frames_.size() - 2].duration;
    return true;
  }
  const double ticks = std::round(ticksPerUnit);
  if (!(ticks >= 1 && ticks <= kMaxFrameTicks))
    return fail(
        error, "IVF: implausible frame rate " + std::to_string(rate) + "/" + std::to_string(scale));
  for (ClipFrame& frame : frames_) frame.duration = static_cast<uint32_t>(ticks);
  return true;
}

// H.264 Annex B: NAL units after start codes, grouped into access units (ITU-T H.264 section
// 7.4.1.2.3): an access unit delimiter starts one, and so do a parameter set, an SEI or a slice
// with first_mb_in_slice == 0 that follow a slice of the previous one (streams without AUD).
bool MediaClip::parseAnnexB(std::span<const uint8_t> bytes, double frameRate, std::string& error) {
  if (!(frameRate >= 1 && frameRate <= 240))
    return fail(error, "H.264: the frame rate must be between 1 and 240");
  const auto duration = static_cast<uint32_t>(std::lround(90000.0 / frameRate));

  std::vector<std::span<const uint8_t>> nals;
  if (!AnnexB::split(bytes, nals))
    return fail(error, "H.264: not an Annex B stream (no start code at its beginning)");

  std::vector<std::span<const uint8_t>> unit;
  bool hasSlice = false;
  bool hasIdr = false;
  auto flush = [&]() {
    if (unit.empty()) return true;
    if (!hasSlice) return false;
    ClipFrame frame;
    size_t size = 0;
    for (const auto& nal : unit) size += 4 + nal.size();
    frame.data.reserve(size);
    for (const auto& nal : unit) {
      frame.data.insert(frame.data.end(), {0, 0, 0, 1});
      frame.data.insert(frame.data.end(), nal.begin(), nal.end());
    }
    frame.keyframe = hasIdr;
    frame.duration = duration;
    frames_.push_back(std::move(frame));
    unit.clear();
    hasSlice = hasIdr = false;
    return true;
  };
  auto noSlice = [&]() {
    return fail(error, "H.264: access unit " + std::to_string(frames_.size()) +
                           " has no slice (stream cut short?)");
  };

  for (const auto& nal : nals) {
    if (nal[0] & 0x80) return fail(error, "H.264: NAL unit with the forbidden bit set");
    const uint8_t type = nal[0] & 0x1f;
    if (type == 0 || type >= 24) return fail(error, "H.264: NAL unit of unspecified type");
    const bool slice = type == 1 || type == 5;
    if (slice && nal.size() < 2) return fail(error, "H.264: slice NAL unit cut short");
    bool startsUnit = false;
    if (type == 9) {
      startsUnit = true;
    } else if (hasSlice) {
      startsUnit =
          (slice && (nal[1] & 0x80)) || (type >= 6 && type <= 8) || (type >= 14 && type <= 18);
    }
    if (startsUnit && !flush()) return noSlice();
    unit.push_back(nal);
    if (slice) hasSlice = true;
    if (type == 5) hasIdr = true;
    if (type == 7 && width_ == 0) {
      if (const auto sps = media::codecs::H264Sps::parse(nal.data(), nal.size())) {
        width_ = static_cast<uint16_t>(sps->width());
        height_ = static_cast<uint16_t>(sps->height());
      }
    }
  }
  if (!flush()) return noSlice();
  return true;
}

// Ogg (RFC 3533) carrying Opus (RFC 7845): pages of lacing values and segments that make up
// packets; the first packet is OpusHead, the second OpusTags, every later one an Opus packet.
// Only the first logical stream is read; pages of others are skipped.
bool MediaClip::parseOgg(std::span<const uint8_t> bytes, std::string& error) {
  const uint8_t* p = bytes.data();
  std::optional<uint32_t> serial;
  uint32_t nextSequence = 0;
  std::vector<uint8_t> packet;
  bool packetOpen = false;
  size_t packetIndex = 0;

  auto takePacket = [&]() {
    const size_t index = packetIndex++;
    if (index == 0) {
      if (packet.size() < 19 || std::memcmp(packet.data(), "OpusHead", 8) != 0)
        return fail(error, "Ogg: not an Opus stream (no OpusHead)");
      if ((packet[8] >> 4) != 0) return fail(error, "Ogg: unsupported OpusHead version");
      if (packet[9] == 0) return fail(error, "Ogg: OpusHead with no channel");
      return true;
    }
    if (index == 1) {
      if (packet.size() < 8 || std::memcmp(packet.data(), "OpusTags", 8) != 0)
        return fail(error, "Ogg: no OpusTags after OpusHead");
      return true;
    }
    const uint32_t samples = opusPacketSamples(packet);
    if (samples == 0)
      return fail(error, "Ogg: Opus packet " + std::to_string(index - 2) + " is malformed");
    ClipFrame frame;
    frame.data = packet;
    frame.keyframe = true;
    frame.duration = samples;
    frames_.push_back(std::move(frame));
    return true;
  };

  size_t pos = 0;
  bool ended = false;
  while (pos < bytes.size() && !ended) {
    if (bytes.size() - pos < 27)
      return fail(error, "Ogg: page header cut short at " + hexOffset(pos));
    const uint8_t* page = p + pos;
    if (std::memcmp(page, "OggS", 4) != 0) return fail(error, "Ogg: no page at " + hexOffset(pos));
    if (page[4] != 0) return fail(error, "Ogg: unknown page version at " + hexOffset(pos));
    const uint8_t flags = page[5];
    const uint32_t pageSerial = le32(page + 14);
    const uint32_t sequence = le32(page + 18);
    const uint32_t crc = le32(page + 22);
    const size_t segments = page[26];
    if (bytes.size() - pos < 27 + segments)
      return fail(error, "Ogg: lacing table cut short at " + hexOffset(pos));
    size_t bodySize = 0;
    for (size_t i = 0; i < segments; ++i) bodySize += page[27 + i];
    const size_t pageSize = 27 + segments + bodySize;
    if (bytes.size() - pos < pageSize)
      return fail(error, "Ogg: page at " + hexOffset(pos) + " cut short");
    if (oggPageCrc(bytes.subspan(pos, pageSize)) != crc)
      return fail(error, "Ogg: page at " + hexOffset(pos) + " fails its checksum");

    if (!serial) {
      if (!(flags & 0x02)) return fail(error, "Ogg: the first page does not begin a stream");
      serial = pageSerial;
      nextSequence = sequence;
    }
    if (pageSerial != *serial) {  // another logical stream
      pos += pageSize;
      continue;
    }
    if (sequence != nextSequence) return fail(error, "Ogg: page missing before " + hexOffset(pos));
    ++nextSequence;
    if (((flags & 0x01) != 0) != packetOpen)
      return fail(error, "Ogg: packet continuation broken at " + hexOffset(pos));

    const uint8_t* body = page + 27 + segments;
    for (size_t i = 0; i < segments; ++i) {
      const uint8_t lacing = page[27 + i];
      packet.insert(packet.end(), body, body + lacing);
      body += lacing;
      packetOpen = lacing == 255;  // a segment of 255 bytes continues the packet
      if (!packetOpen) {
        if (!takePacket()) return false;
        packet.clear();
      }
    }
    pos += pageSize;
    ended = (flags & 0x04) != 0;
  }
  if (packetOpen) return fail(error, "Ogg: the last packet is cut short");
  if (packetIndex < 2) return fail(error, "Ogg: the Opus headers are missing or cut short");
  return true;
}

}  // namespace parley::load
