#include "media/sdp/SessionDescription.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

namespace parley::media::sdp {
namespace {

// Splits on single spaces, dropping empty tokens.
std::vector<std::string_view> tokens(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string> toStrings(const std::vector<std::string_view>& v) {
  return std::vector<std::string>(v.begin(), v.end());
}

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

template <typename T>
bool parseNumber(std::string_view s, T max, T& out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > max) return false;
  out = static_cast<T>(v);
  return true;
}

std::string joinTokens(const std::vector<std::string_view>& t, size_t from) {
  std::string out;
  for (size_t i = from; i < t.size(); ++i) {
    if (i > from) out += ' ';
    out += t[i];
  }
  return out;
}

std::optional<Direction> directionFrom(std::string_view s) {
  if (s == "sendrecv") return Direction::SendRecv;
  if (s == "sendonly") return Direction::SendOnly;
  if (s == "recvonly") return Direction::RecvOnly;
  if (s == "inactive") return Direction::Inactive;
  return std::nullopt;
}

class Parser {
 public:
  std::optional<SessionDescription> run(std::string_view text) {
    if (text.size() > SessionDescription::kMaxBytes) return fail("SDP larger than 64 KiB");
    SessionDescription sd;
    size_t pos = 0;
    size_t lineCount = 0;
    bool sawVersion = false;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      if (++lineCount > SessionDescription::kMaxLines) return fail("more than 4096 lines");
      for (char c : line) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return fail("control character");
      }
      if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
        return fail("not a <type>=<value> line");
      const char type = line[0];
      const std::string_view value = line.substr(2);
      if (!sawVersion) {
        if (type != 'v' || value != "0") return fail("first line must be v=0");
        sawVersion = true;
        continue;
      }
      bool ok = true;
      if (type == 'v') {
        return fail("duplicate v= line");
      } else if (type == 'm') {
        if (sd.media.size() >= SessionDescription::kMaxMediaSections)
          return fail("more than 32 media sections");
        MediaSection m;
        ok = parseMediaLine(value, m);
        if (ok) sd.media.push_back(std::move(m));
      } else if (!sd.media.empty()) {
        MediaSection& m = sd.media.back();
        if (type == 'a')
          ok = parseMediaAttribute(value, m);
        else
          m.otherLines.emplace_back(line);
      } else if (type == 'o') {
        ok = parseOrigin(value, sd);
      } else if (type == 'a') {
        ok = parseSessionAttribute(value, sd);
      } else {
        sd.otherLines.emplace_back(line);
      }
      if (!ok) return std::nullopt;
    }
    if (!sawVersion) {
      line_ = 0;
      return fail("empty SDP");
    }
    return sd;
  }

  std::string error;

 private:
  std::nullopt_t fail(const std::string& why) {
    error = line_ ? "line " + std::to_string(line_) + ": " + why : why;
    return std::nullopt;
  }
  bool bad(const std::string& why) {
    fail(why);
    return false;
  }

  bool parseOrigin(std::string_view v, SessionDescription& sd) {
    if (sd.origin) return bad("duplicate o= line");
    const auto t = tokens(v);
    if (t.size() != 6) return bad("o= needs 6 fields");
    sd.origin = Origin{std::string(t[0]), std::string(t[1]), std::string(t[2]),
                       std::string(t[3]), std::string(t[4]), std::string(t[5])};
    return true;
  }

  static void splitAttribute(std::string_view v, std::string_view& name,
                             std::optional<std::string_view>& val) {
    const size_t colon = v.find(':');
    if (colon == std::string_view::npos) {
      name = v;
      val.reset();
    } else {
      name = v.substr(0, colon);
      val = v.substr(colon + 1);
    }
  }

  bool parseSessionAttribute(std::string_view v, SessionDescription& sd) {
    std::string_view name;
    std::optional<std::string_view> val;
    splitAttribute(v, name, val);
    if (name == "group" && val && val->substr(0, 6) == "BUNDLE" &&
        (val->size() == 6 || (*val)[6] == ' ') && !sd.bundle) {
      sd.bundle = toStrings(tokens(val->substr(6)));
    } else if (name == "ice-lite") {
      if (val) return bad("a=ice-lite takes no value");
      sd.iceLite = true;
    } else if (name == "extmap-allow-mixed") {
      if (val) return bad("a=extmap-allow-mixed takes no value");
      sd.extmapAllowMixed = true;
    } else if (name == "msid-semantic") {
      if (!val) return bad("a=msid-semantic needs a value");
      if (sd.msidSemantic) return bad("duplicate a=msid-semantic");
      sd.msidSemantic = toStrings(tokens(*val));
    } else {
      sd.otherAttributes.emplace_back(v);
    }
    return true;
  }

  bool parseMediaLine(std::string_view v, MediaSection& m) {
    const auto t = tokens(v);
    if (t.size() < 3) return bad("m= needs <media> <port> <proto>");
    if (t[0] == "audio")
      m.kind = MediaKind::Audio;
    else if (t[0] == "video")
      m.kind = MediaKind::Video;
    else if (t[0] == "application")
      m.kind = MediaKind::Application;
    else
      return bad("unsupported media kind");
    if (!parseNumber<uint16_t>(t[1], 65535, m.port)) return bad("bad m= port");
    m.protocol = std::string(t[2]);
    for (size_t i = 3; i < t.size(); ++i) {
      if (m.kind == MediaKind::Application) {
        m.formats.emplace_back(t[i]);
      } else {
        uint8_t pt = 0;
        if (!parseNumber<uint8_t>(t[i], 127, pt)) return bad("bad payload type in m=");
        m.payloadTypes.push_back(pt);
      }
    }
    return true;
  }

  // "<pt> <rest>" where pt is 0..127; rest has leading spaces removed.
  bool payloadPrefix(std::string_view v, uint8_t& pt, std::string_view& rest) {
    const size_t sp = v.find(' ');
    const std::string_view num = v.substr(0, sp);
    if (!parseNumber<uint8_t>(num, 127, pt)) return false;
    rest = sp == std::string_view::npos ? std::string_view() : trimLeft(v.substr(sp + 1));
    return true;
  }

  bool parseRtpmap(std::string_view v, MediaSection& m) {
    uint8_t pt = 0;
    std::string_view rest;
    if (!payloadPrefix(v, pt, rest)) return bad("bad a=rtpmap payload type");
    const auto t = tokens(rest);
    if (t.size() != 1) return bad("bad a=rtpmap encoding");
    const std::string_view enc = t[0];
    const size_t s1 = enc.find('/');
    if (s1 == std::string_view::npos || s1 == 0) return bad("bad a=rtpmap encoding");
    RtpMap r;
    r.name = std::string(enc.substr(0, s1));
    const std::string_view after = enc.substr(s1 + 1);
    const size_t s2 = after.find('/');
    if (!parseNumber<uint32_t>(after.substr(0, s2), UINT32_MAX, r.clockRate) || r.clockRate == 0)
      return bad("bad a=rtpmap clock rate");
    if (s2 != std::string_view::npos) {
      uint32_t ch = 0;
      if (!parseNumber<uint32_t>(after.substr(s2 + 1), 255, ch) || ch == 0)
        return bad("bad a=rtpmap channels");
      r.channels = ch;
    }
    m.payloads[pt].rtpmap = std::move(r);
    return true;
  }

  bool parseRtcpFb(std::string_view v, MediaSection& m) {
    const size_t sp = v.find(' ');
    const std::string_view id = v.substr(0, sp);
    const auto t = tokens(sp == std::string_view::npos ? std::string_view() : v.substr(sp + 1));
    if (t.empty()) return bad("a=rtcp-fb needs a feedback type");
    if (id == "*") {
      m.rtcpFbAll.push_back(joinTokens(t, 0));
      return true;
    }
    uint8_t pt = 0;
    if (!parseNumber<uint8_t>(id, 127, pt)) return bad("bad a=rtcp-fb payload type");
    m.payloads[pt].rtcpFb.push_back(joinTokens(t, 0));
    return true;
  }

  bool parseExtmap(std::string_view v, MediaSection& m) {
    const auto t = tokens(v);
    if (t.size() < 2) return bad("a=extmap needs <id> <uri>");
    Extmap e;
    std::string_view id = t[0];
    const size_t slash = id.find('/');
    if (slash != std::string_view::npos) {
      e.direction = directionFrom(id.substr(slash + 1));
      if (!e.direction) return bad("bad a=extmap direction");
      id = id.substr(0, slash);
    }
    if (!parseNumber<uint16_t>(id, 255, e.id) || e.id == 0) return bad("bad a=extmap id");
    e.uri = std::string(t[1]);
    e.attributes = joinTokens(t, 2);
    m.extmaps.push_back(std::move(e));
    return true;
  }

  bool parseSsrc(std::string_view v, MediaSection& m) {
    const size_t sp = v.find(' ');
    SsrcAttribute s;
    if (sp == std::string_view::npos || !parseNumber<uint32_t>(v.substr(0, sp), UINT32_MAX, s.ssrc))
      return bad("bad a=ssrc");
    const std::string_view rest = trimLeft(v.substr(sp + 1));
    const size_t colon = rest.find(':');
    const std::string_view attr = rest.substr(0, colon);
    if (attr.empty() || attr.find(' ') != std::string_view::npos)
      return bad("bad a=ssrc attribute");
    s.attribute = std::string(attr);
    if (colon != std::string_view::npos) s.value = std::string(rest.substr(colon + 1));
    m.ssrcs.push_back(std::move(s));
    return true;
  }

  bool parseSsrcGroup(std::string_view v, MediaSection& m) {
    const auto t = tokens(v);
    if (t.empty()) return bad("a=ssrc-group needs semantics");
    SsrcGroup g;
    g.semantics = std::string(t[0]);
    for (size_t i = 1; i < t.size(); ++i) {
      uint32_t ssrc = 0;
      if (!parseNumber<uint32_t>(t[i], UINT32_MAX, ssrc)) return bad("bad a=ssrc-group ssrc");
      g.ssrcs.push_back(ssrc);
    }
    m.ssrcGroups.push_back(std::move(g));
    return true;
  }

  bool parseRid(std::string_view v, MediaSection& m) {
    const auto t = tokens(v);
    if (t.size() < 2) return bad("a=rid needs <id> <direction>");
    Rid r;
    r.id = std::string(t[0]);
    if (t[1] == "send")
      r.send = true;
    else if (t[1] == "recv")
      r.send = false;
    else
      return bad("bad a=rid direction");
    r.params = joinTokens(t, 2);
    m.rids.push_back(std::move(r));
    return true;
  }

  bool parseSimulcast(std::string_view v, MediaSection& m) {
    if (m.simulcast) return bad("duplicate a=simulcast");
    const auto t = tokens(v);
    if (t.empty() || t.size() % 2 != 0 || t.size() > 4) return bad("bad a=simulcast");
    Simulcast s;
    bool haveSend = false, haveRecv = false;
    for (size_t i = 0; i < t.size(); i += 2) {
      if (t[i] == "send" && !haveSend) {
        s.send = std::string(t[i + 1]);
        haveSend = true;
      } else if (t[i] == "recv" && !haveRecv) {
        s.recv = std::string(t[i + 1]);
        haveRecv = true;
      } else {
        return bad("bad a=simulcast direction");
      }
    }
    m.simulcast = std::move(s);
    return true;
  }

  bool parseMediaAttribute(std::string_view v, MediaSection& m) {
    std::string_view name;
    std::optional<std::string_view> val;
    splitAttribute(v, name, val);
    const auto needValue = [&]() {
      if (!val) bad("a=" + std::string(name) + " needs a value");
      return val.has_value();
    };
    if (const auto d = directionFrom(name); d && !val) {
      m.direction = d;
    } else if (name == "rtcp-mux" && !val) {
      m.rtcpMux = true;
    } else if (name == "rtcp-rsize" && !val) {
      m.rtcpRsize = true;
    } else if (name == "mid") {
      if (!needValue()) return false;
      if (m.mid) return bad("duplicate a=mid");
      m.mid = std::string(*val);
    } else if (name == "ice-ufrag") {
      if (!needValue()) return false;
      m.iceUfrag = std::string(*val);
    } else if (name == "ice-pwd") {
      if (!needValue()) return false;
      m.icePwd = std::string(*val);
    } else if (name == "ice-options") {
      if (!needValue()) return false;
      m.iceOptions = toStrings(tokens(*val));
    } else if (name == "fingerprint") {
      if (!needValue()) return false;
      const auto t = tokens(*val);
      if (t.size() != 2) return bad("a=fingerprint needs <hash> <hex>");
      m.fingerprint = Fingerprint{std::string(t[0]), std::string(t[1])};
    } else if (name == "setup") {
      if (!needValue()) return false;
      if (*val == "actpass")
        m.setup = Setup::ActPass;
      else if (*val == "active")
        m.setup = Setup::Active;
      else if (*val == "passive")
        m.setup = Setup::Passive;
      else if (*val == "holdconn")
        m.setup = Setup::HoldConn;
      else
        return bad("bad a=setup value");
    } else if (name == "rtpmap") {
      return needValue() && parseRtpmap(*val, m);
    } else if (name == "fmtp") {
      if (!needValue()) return false;
      uint8_t pt = 0;
      std::string_view rest;
      if (!payloadPrefix(*val, pt, rest)) return bad("bad a=fmtp payload type");
      m.payloads[pt].fmtp = std::string(rest);
    } else if (name == "rtcp-fb") {
      return needValue() && parseRtcpFb(*val, m);
    } else if (name == "extmap") {
      return needValue() && parseExtmap(*val, m);
    } else if (name == "ssrc") {
      return needValue() && parseSsrc(*val, m);
    } else if (name == "ssrc-group") {
      return needValue() && parseSsrcGroup(*val, m);
    } else if (name == "msid") {
      if (!needValue()) return false;
      const auto t = tokens(*val);
      if (t.empty() || t.size() > 2) return bad("a=msid needs <stream> [<track>]");
      m.msid = Msid{std::string(t[0]), t.size() == 2 ? std::string(t[1]) : std::string()};
    } else if (name == "rid") {
      return needValue() && parseRid(*val, m);
    } else if (name == "simulcast") {
      return needValue() && parseSimulcast(*val, m);
    } else if (name == "candidate") {
      if (!needValue()) return false;
      m.candidates.emplace_back(*val);
    } else {
      m.otherAttributes.emplace_back(v);
    }
    return true;
  }

  size_t line_ = 0;
};

}  // namespace

std::optional<SessionDescription> SessionDescription::parse(std::string_view text,
                                                            std::string* error) {
  Parser p;
  auto r = p.run(text);
  if (!r && error) *error = p.error;
  return r;
}

}  // namespace parley::media::sdp
