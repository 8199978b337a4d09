#include "core/BroadcastOptions.h"

#include <set>
#include <string_view>

#include "core/AsciiCase.h"
#include "core/JsonField.h"

namespace parley::core {

namespace {

using R = Result<BroadcastOptions>;

R invalid(std::string message) {
  return R::fail(Error::Code::Invalid, std::move(message));
}

// Printable ASCII without spaces: what goes into the RTMP URL and the broadcast JSON.
bool plainText(std::string_view s) {
  for (char c : s)
    if (c <= ' ' || c == 0x7f) return false;
  return true;
}

// rtmp:// or rtmps:// and a host: libavformat's RTMP protocols are the only ones used, so a
// file: or http: URL can never make parleyd write or fetch anything else.
bool rtmpUrl(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const auto name = url.substr(0, scheme);
  if (!equalsIgnoringCase(name, "rtmp") && !equalsIgnoringCase(name, "rtmps")) return false;
  const auto rest = url.substr(scheme + 3);
  return !rest.empty() && rest.front() != '/' && plainText(url);
}

std::optional<std::string> readRtmp(const Json& target, std::size_t index,
                                    BroadcastOptions::Rtmp& out) {
  const std::string at = "outputs.rtmp[" + std::to_string(index) + "].";
  if (!target.isObject()) return "outputs.rtmp[" + std::to_string(index) + "] must be an object";
  if (auto e = JsonField::readString(target, "id", out.id, BroadcastOptions::kMaxIdLength))
    return at + *e;
  if (auto e = JsonField::readString(target, "serverUrl", out.serverUrl,
                                     BroadcastOptions::kMaxUrlLength))
    return at + *e;
  if (auto e = JsonField::readString(target, "streamName", out.streamName,
                                     BroadcastOptions::kMaxStreamNameLength))
    return at + *e;
  if (!rtmpUrl(out.serverUrl)) return at + "serverUrl must be an rtmp:// or rtmps:// URL";
  if (out.streamName.empty()) return at + "streamName is required";
  if (!plainText(out.streamName))
    return at + "streamName must not hold spaces or control characters";
  if (!plainText(out.id)) return at + "id must not hold spaces or control characters";
  return std::nullopt;
}

std::optional<std::string> readOutputs(const Json& body, BroadcastOptions& o) {
  const Json* outputs = body.find("outputs");
  if (!outputs || outputs->isNull()) return "outputs is required (hls, rtmp or both)";
  if (!outputs->isObject()) return "outputs must be an object";
  if (const Json* hls = outputs->find("hls"); hls && !hls->isNull()) {
    if (!hls->isObject()) return "outputs.hls must be an object";
    BroadcastOptions::Hls h;
    if (auto e = JsonField::readBool(*hls, "dvr", h.dvr)) return "outputs.hls." + *e;
    if (auto e = JsonField::readBool(*hls, "lowLatency", h.lowLatency)) return "outputs.hls." + *e;
    if (h.dvr && h.lowLatency) return "outputs.hls cannot set both dvr and lowLatency";
    o.hls = h;
  }
  if (const Json* rtmp = outputs->find("rtmp"); rtmp && !rtmp->isNull()) {
    // One target alone may come as an object.
    std::vector<Json> targets = rtmp->isArray() ? rtmp->items() : std::vector<Json>{*rtmp};
    if (targets.size() > BroadcastOptions::kMaxRtmpTargets)
      return "outputs.rtmp holds at most " + std::to_string(BroadcastOptions::kMaxRtmpTargets) +
             " targets";
    std::set<std::string> ids;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      BroadcastOptions::Rtmp t;
      if (auto e = readRtmp(targets[i], i, t)) return e;
      if (!t.id.empty() && !ids.insert(t.id).second)
        return "outputs.rtmp ids must be distinct (" + t.id + " repeats)";
      o.rtmp.push_back(std::move(t));
    }
  }
  if (!o.hls && o.rtmp.empty()) return "outputs must have hls, rtmp or both";
  return std::nullopt;
}

}  // namespace

std::string BroadcastOptions::Rtmp::url() const {
  std::string base = serverUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + streamName;
}

namespace {

// "host[:port]" of an rtmp:// or rtmps:// URL, after the scheme and before the first '/'.
std::string_view authorityOf(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  url.remove_prefix(scheme + 3);
  return url.substr(0, url.find('/'));
}

}  // namespace

std::string BroadcastOptions::Rtmp::host() const {
  std::string_view a = authorityOf(serverUrl);
  if (const auto at = a.rfind('@'); at != std::string_view::npos) a.remove_prefix(at + 1);
  if (!a.empty() && a.front() == '[') {
    const auto close = a.find(']');
    return close == std::string_view::npos ? std::string() : std::string(a.substr(1, close - 1));
  }
  return std::string(a.substr(0, a.find(':')));
}

std::uint16_t BroadcastOptions::Rtmp::port() const {
  std::string_view a = authorityOf(serverUrl);
  if (const auto at = a.rfind('@'); at != std::string_view::npos) a.remove_prefix(at + 1);
  if (const auto close = a.find(']'); close != std::string_view::npos) a.remove_prefix(close + 1);
  const auto colon = a.find(':');
  const std::uint16_t fallback = serverUrl.rfind("rtmps://", 0) == 0 ? 443 : 1935;
  if (colon == std::string_view::npos) return fallback;
  unsigned value = 0;
  for (char c : a.substr(colon + 1)) {
    if (c < '0' || c > '9' || value > 65535) return fallback;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value >= 1 && value <= 65535 ? static_cast<std::uint16_t>(value) : fallback;
}

Result<BroadcastOptions> BroadcastOptions::parse(const Json& body) {
  if (!body.isObject()) return invalid("the body must be a JSON object");
  BroadcastOptions o;
  if (auto e = JsonField::readString(body, "sessionId", o.sessionId, 256)) return invalid(*e);
  if (o.sessionId.empty()) return invalid("sessionId is required");
  if (auto e = readOutputs(body, o)) return invalid(*e);
  if (auto e =
          JsonField::readInt(body, "maxDuration", o.maxDurationS, kMinDurationS, kMaxDurationS))
    return invalid(*e);
  if (auto e = JsonField::readString(body, "resolution", o.resolution, 16)) return invalid(*e);
  static const std::set<std::string, std::less<>> kResolutions = {
      "640x480", "480x640", "1280x720", "720x1280", "1920x1080", "1080x1920"};
  if (!kResolutions.count(o.resolution))
    return invalid(
        "resolution must be 640x480, 480x640, 1280x720, 720x1280, 1920x1080 or 1080x1920");
  if (const Json* layout = body.find("layout"); layout && !layout->isNull()) {
    auto l = ArchiveOptions::parseLayout(*layout);
    if (!l) return invalid(l.error().message);
    o.layoutType = l->layoutType;
    o.layoutStylesheet = l->layoutStylesheet;
    o.screenshareType = l->screenshareType;
  }
  std::string streamMode = "auto";
  if (auto e = JsonField::readString(body, "streamMode", streamMode, 32)) return invalid(*e);
  if (streamMode != "auto" && streamMode != "manual")
    return invalid("streamMode must be auto or manual");
  o.streamMode = streamMode == "manual" ? StreamMode::Manual : StreamMode::Auto;
  if (auto e = JsonField::readString(body, "multiBroadcastTag", o.multiBroadcastTag, kMaxTagLength))
    return invalid(*e);
  if (auto e = JsonField::readBool(body, "hasAudio", o.hasAudio)) return invalid(*e);
  if (auto e = JsonField::readBool(body, "hasVideo", o.hasVideo)) return invalid(*e);
  if (!o.hasAudio && !o.hasVideo) return invalid("hasAudio and hasVideo cannot both be false");
  std::int64_t bitrate = 0;
  if (auto e = JsonField::readInt(body, "maxBitrate", bitrate, ArchiveOptions::kMinBitrate,
                                  ArchiveOptions::kMaxBitrate))
    return invalid(*e);
  if (bitrate) o.maxBitrate = bitrate;
  return o;
}

}  // namespace parley::core
