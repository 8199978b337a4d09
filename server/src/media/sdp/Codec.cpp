#include "media/sdp/Codec.h"

#include <algorithm>

namespace parley::media::sdp {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool sameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::map<std::string, std::string> parseFmtpParams(std::string_view fmtp) {
  std::map<std::string, std::string> out;
  while (!fmtp.empty()) {
    const size_t semi = fmtp.find(';');
    const std::string_view item = trim(fmtp.substr(0, semi));
    fmtp = semi == std::string_view::npos ? std::string_view() : fmtp.substr(semi + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      out.emplace(std::string(item), std::string());
    } else {
      const std::string_view key = trim(item.substr(0, eq));
      if (key.empty()) continue;
      out.emplace(std::string(key), std::string(trim(item.substr(eq + 1))));
    }
  }
  return out;
}

std::optional<Codec> codecFor(const MediaSection& m, uint8_t pt) {
  if (std::find(m.payloadTypes.begin(), m.payloadTypes.end(), pt) == m.payloadTypes.end())
    return std::nullopt;
  const auto it = m.payloads.find(pt);
  if (it == m.payloads.end() || !it->second.rtpmap) return std::nullopt;
  const PayloadFormat& p = it->second;
  Codec c;
  c.payloadType = pt;
  c.name = p.rtpmap->name;
  c.clockRate = p.rtpmap->clockRate;
  c.channels = p.rtpmap->channels.value_or(1);
  if (p.fmtp) c.params = parseFmtpParams(*p.fmtp);
  c.feedback = p.rtcpFb;
  c.feedback.insert(c.feedback.end(), m.rtcpFbAll.begin(), m.rtcpFbAll.end());
  return c;
}

std::vector<Codec> codecsOf(const MediaSection& m) {
  std::vector<Codec> out;
  for (uint8_t pt : m.payloadTypes)
    if (auto c = codecFor(m, pt)) out.push_back(std::move(*c));
  return out;
}

std::optional<uint8_t> findRtxPayloadType(const MediaSection& m, uint8_t pt) {
  const std::string want = std::to_string(pt);
  for (const Codec& c : codecsOf(m)) {
    if (!sameName(c.name, "rtx")) continue;
    const auto apt = c.params.find("apt");
    if (apt != c.params.end() && apt->second == want) return c.payloadType;
  }
  return std::nullopt;
}

std::optional<H264ProfileLevel> parseH264ProfileLevelId(std::string_view hex) {
  if (hex.size() != 6) return std::nullopt;
  uint8_t bytes[3] = {0, 0, 0};
  for (size_t i = 0; i < 3; ++i) {
    const int hi = hexValue(hex[2 * i]);
    const int lo = hexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return H264ProfileLevel{bytes[0], bytes[1], bytes[2]};
}

std::optional<int> h264PacketizationMode(const Codec& c) {
  const auto it = c.params.find("packetization-mode");
  if (it == c.params.end()) return 0;
  if (it->second == "0") return 0;
  if (it->second == "1") return 1;
  if (it->second == "2") return 2;
  return std::nullopt;
}

}  // namespace parley::media::sdp
