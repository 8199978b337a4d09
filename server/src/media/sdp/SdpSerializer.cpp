#include "media/sdp/SdpSerializer.h"

#include <set>

namespace parley::media::sdp {
namespace {

void line(std::string& out, std::string_view text) {
  out += text;
  out += "\r\n";
}

void attr(std::string& out, std::string_view name) {
  out += "a=";
  line(out, name);
}

void attr(std::string& out, std::string_view name, std::string_view value) {
  out += "a=";
  out += name;
  out += ':';
  line(out, value);
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ' ';
    s += v[i];
  }
  return s;
}

void writePayload(std::string& out, uint8_t pt, const PayloadFormat& p) {
  const std::string id = std::to_string(pt);
  if (p.rtpmap) {
    std::string v = id + ' ' + p.rtpmap->name + '/' + std::to_string(p.rtpmap->clockRate);
    if (p.rtpmap->channels) v += '/' + std::to_string(*p.rtpmap->channels);
    attr(out, "rtpmap", v);
  }
  for (const std::string& fb : p.rtcpFb) attr(out, "rtcp-fb", id + ' ' + fb);
  if (p.fmtp) attr(out, "fmtp", id + ' ' + *p.fmtp);
}

void writeMedia(std::string& out, const MediaSection& m) {
  std::string mline = std::string("m=") + SdpSerializer::kindName(m.kind) + ' ' +
                      std::to_string(m.port) + ' ' + m.protocol;
  for (uint8_t pt : m.payloadTypes) mline += ' ' + std::to_string(pt);
  for (const std::string& f : m.formats) mline += ' ' + f;
  line(out, mline);
  for (const std::string& l : m.otherLines) line(out, l);
  for (const std::string& c : m.candidates) attr(out, "candidate", c);
  if (m.iceUfrag) attr(out, "ice-ufrag", *m.iceUfrag);
  if (m.icePwd) attr(out, "ice-pwd", *m.icePwd);
  if (m.iceOptions) attr(out, "ice-options", join(*m.iceOptions));
  if (m.fingerprint) attr(out, "fingerprint", m.fingerprint->hash + ' ' + m.fingerprint->hex);
  if (m.setup) attr(out, "setup", SdpSerializer::setupName(*m.setup));
  if (m.mid) attr(out, "mid", *m.mid);
  for (const Extmap& e : m.extmaps) {
    std::string v = std::to_string(e.id);
    if (e.direction) v += std::string("/") + SdpSerializer::directionName(*e.direction);
    v += ' ' + e.uri;
    if (!e.attributes.empty()) v += ' ' + e.attributes;
    attr(out, "extmap", v);
  }
  if (m.direction) attr(out, SdpSerializer::directionName(*m.direction));
  if (m.msid) {
    std::string v = m.msid->streamId;
    if (!m.msid->trackId.empty()) v += ' ' + m.msid->trackId;
    attr(out, "msid", v);
  }
  if (m.rtcpMux) attr(out, "rtcp-mux");
  if (m.rtcpRsize) attr(out, "rtcp-rsize");
  for (const std::string& fb : m.rtcpFbAll) attr(out, "rtcp-fb", "* " + fb);
  // Payload types in m= line order first, then any others in numeric order.
  std::set<uint8_t> written;
  for (uint8_t pt : m.payloadTypes) {
    const auto it = m.payloads.find(pt);
    if (it == m.payloads.end() || !written.insert(pt).second) continue;
    writePayload(out, pt, it->second);
  }
  for (const auto& [pt, p] : m.payloads)
    if (!written.count(pt)) writePayload(out, pt, p);
  for (const SsrcGroup& g : m.ssrcGroups) {
    std::string v = g.semantics;
    for (uint32_t s : g.ssrcs) v += ' ' + std::to_string(s);
    attr(out, "ssrc-group", v);
  }
  for (const SsrcAttribute& s : m.ssrcs) {
    std::string v = std::to_string(s.ssrc) + ' ' + s.attribute;
    if (s.value) v += ':' + *s.value;
    attr(out, "ssrc", v);
  }
  for (const Rid& r : m.rids) {
    std::string v = r.id + (r.send ? " send" : " recv");
    if (!r.params.empty()) v += ' ' + r.params;
    attr(out, "rid", v);
  }
  if (m.simulcast) {
    std::string v;
    if (!m.simulcast->send.empty()) v = "send " + m.simulcast->send;
    if (!m.simulcast->recv.empty()) v += (v.empty() ? "recv " : " recv ") + m.simulcast->recv;
    attr(out, "simulcast", v);
  }
  for (const std::string& a : m.otherAttributes) line(out, "a=" + a);
}

}  // namespace

const char* SdpSerializer::directionName(Direction d) {
  switch (d) {
    case Direction::SendRecv:
      return "sendrecv";
    case Direction::SendOnly:
      return "sendonly";
    case Direction::RecvOnly:
      return "recvonly";
    case Direction::Inactive:
      return "inactive";
  }
  return "sendrecv";
}

const char* SdpSerializer::setupName(Setup s) {
  switch (s) {
    case Setup::ActPass:
      return "actpass";
    case Setup::Active:
      return "active";
    case Setup::Passive:
      return "passive";
    case Setup::HoldConn:
      return "holdconn";
  }
  return "actpass";
}

const char* SdpSerializer::kindName(MediaKind k) {
  switch (k) {
    case MediaKind::Audio:
      return "audio";
    case MediaKind::Video:
      return "video";
    case MediaKind::Application:
      return "application";
  }
  return "audio";
}

std::string SdpSerializer::serialize(const SessionDescription& sd) {
  std::string out;
  line(out, "v=0");
  if (sd.origin) {
    const Origin& o = *sd.origin;
    line(out, "o=" + o.username + ' ' + o.sessionId + ' ' + o.sessionVersion + ' ' + o.netType +
                  ' ' + o.addrType + ' ' + o.address);
  }
  for (const std::string& l : sd.otherLines) line(out, l);
  if (sd.bundle) {
    std::string v = "BUNDLE";
    for (const std::string& mid : *sd.bundle) v += ' ' + mid;
    attr(out, "group", v);
  }
  if (sd.iceLite) attr(out, "ice-lite");
  if (sd.extmapAllowMixed) attr(out, "extmap-allow-mixed");
  if (sd.msidSemantic) attr(out, "msid-semantic", ' ' + join(*sd.msidSemantic));
  for (const std::string& a : sd.otherAttributes) line(out, "a=" + a);
  for (const MediaSection& m : sd.media) writeMedia(out, m);
  return out;
}

}  // namespace parley::media::sdp
