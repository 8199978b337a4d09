// Codec view of one payload type of a MediaSection plus small helpers the SFU needs when
// choosing codecs: fmtp parameter parsing, RTX lookup (apt=) and H.264 profile-level-id.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/sdp/MediaSection.h"

namespace parley::media::sdp {

struct Codec {
  uint8_t payloadType = 0;
  std::string name;  // as written in a=rtpmap
  uint32_t clockRate = 0;
  uint32_t channels = 1;
  std::map<std::string, std::string> params;  // from a=fmtp; a bare key maps to ""
  std::vector<std::string> feedback;          // a=rtcp-fb for this pt, then a=rtcp-fb:*
  bool operator==(const Codec&) const = default;
};

struct H264ProfileLevel {
  uint8_t profileIdc = 0;
  uint8_t profileIop = 0;
  uint8_t levelIdc = 0;
  bool operator==(const H264ProfileLevel&) const = default;
};

// "a=1;b=2; c" -> {a:1, b:2, c:""}. Keys and values are trimmed of spaces; empty items skipped.
std::map<std::string, std::string> parseFmtpParams(std::string_view fmtp);

// The codec for `pt` if the section lists it and has an a=rtpmap for it.
std::optional<Codec> codecFor(const MediaSection& m, uint8_t pt);

// All codecs of the section in m= line order (payload types without a=rtpmap are skipped).
std::vector<Codec> codecsOf(const MediaSection& m);

bool sameName(std::string_view a, std::string_view b);  // ASCII case-insensitive

// The payload type of an "rtx" codec whose apt= names `pt`, if any.
std::optional<uint8_t> findRtxPayloadType(const MediaSection& m, uint8_t pt);

// profile-level-id is 6 hex digits: profile_idc, profile_iop, level_idc.
std::optional<H264ProfileLevel> parseH264ProfileLevelId(std::string_view hex);

// packetization-mode of an H.264 codec: 0 when absent, nullopt when not 0, 1 or 2.
std::optional<int> h264PacketizationMode(const Codec& c);

}  // namespace parley::media::sdp
