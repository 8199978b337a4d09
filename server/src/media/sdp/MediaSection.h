// One m= section of a session description, as modelled by SessionDescription::parse.
// Plain data: the parser fills it, SdpSerializer writes it back.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley::media::sdp {

enum class MediaKind { Audio, Video, Application };
enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };
enum class Setup { ActPass, Active, Passive, HoldConn };

struct Fingerprint {
  std::string hash;  // e.g. "sha-256"
  std::string hex;   // e.g. "AB:CD:..."
  bool operator==(const Fingerprint&) const = default;
};

struct RtpMap {
  std::string name;  // encoding name as written, e.g. "opus", "VP8", "rtx"
  uint32_t clockRate = 0;
  std::optional<uint32_t> channels;
  bool operator==(const RtpMap&) const = default;
};

// Everything attached to one payload type by a=rtpmap / a=fmtp / a=rtcp-fb.
struct PayloadFormat {
  std::optional<RtpMap> rtpmap;
  std::optional<std::string> fmtp;  // parameter text after "<pt> "
  std::vector<std::string> rtcpFb;  // each "<type>[ <param>...]", single-spaced
  bool operator==(const PayloadFormat&) const = default;
};

struct Extmap {
  uint16_t id = 0;  // 1..255
  std::optional<Direction> direction;
  std::string uri;
  std::string attributes;  // optional extension attributes, "" if none
  bool operator==(const Extmap&) const = default;
};

struct SsrcAttribute {
  uint32_t ssrc = 0;
  std::string attribute;             // "cname", "msid", ...
  std::optional<std::string> value;  // text after ':'; nullopt if no ':'
  bool operator==(const SsrcAttribute&) const = default;
};

struct SsrcGroup {
  std::string semantics;  // "FID", "SIM", ...
  std::vector<uint32_t> ssrcs;
  bool operator==(const SsrcGroup&) const = default;
};

struct Msid {
  std::string streamId;
  std::string trackId;  // "" if absent
  bool operator==(const Msid&) const = default;
};

struct Rid {
  std::string id;
  bool send = true;    // "send" or "recv"
  std::string params;  // restrictions after the direction, "" if none
  bool operator==(const Rid&) const = default;
};

struct Simulcast {
  std::string send;  // alternatives list, e.g. "f;h;q"; "" if absent
  std::string recv;
  bool operator==(const Simulcast&) const = default;
};

struct MediaSection {
  MediaKind kind = MediaKind::Audio;
  uint16_t port = 9;
  std::string protocol;               // "UDP/TLS/RTP/SAVPF"
  std::vector<uint8_t> payloadTypes;  // audio/video: m= line order
  std::vector<std::string> formats;   // application: m= line formats verbatim
  std::optional<std::string> mid;
  std::optional<Direction> direction;
  std::optional<std::string> iceUfrag;
  std::optional<std::string> icePwd;
  std::optional<std::vector<std::string>> iceOptions;
  std::optional<Fingerprint> fingerprint;
  std::optional<Setup> setup;
  bool rtcpMux = false;
  bool rtcpRsize = false;
  std::map<uint8_t, PayloadFormat> payloads;
  std::vector<std::string> rtcpFbAll;  // a=rtcp-fb:* lines
  std::vector<Extmap> extmaps;
  std::vector<SsrcAttribute> ssrcs;
  std::vector<SsrcGroup> ssrcGroups;
  std::optional<Msid> msid;
  std::vector<Rid> rids;
  std::optional<Simulcast> simulcast;
  std::vector<std::string> candidates;       // value after "a=candidate:"
  std::vector<std::string> otherLines;       // non-a= lines after m= (c=, b=, ...), verbatim
  std::vector<std::string> otherAttributes;  // unknown a= lines, text after "a="
  bool operator==(const MediaSection&) const = default;
};

}  // namespace parley::media::sdp
