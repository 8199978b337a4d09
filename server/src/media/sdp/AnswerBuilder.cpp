#include "media/sdp/AnswerBuilder.h"

#include <algorithm>
#include <set>
#include <utility>

namespace parley::media::sdp {
namespace {

Direction reverse(Direction d) {
  switch (d) {
    case Direction::SendRecv:
    case Direction::SendOnly:
      return Direction::RecvOnly;
    case Direction::RecvOnly:
      return Direction::SendOnly;
    case Direction::Inactive:
      return Direction::Inactive;
  }
  return Direction::Inactive;
}

const Codec* supported(const Codec& offered, const std::vector<Codec>& codecs) {
  for (const Codec& c : codecs) {
    if (!sameName(c.name, offered.name) || c.clockRate != offered.clockRate ||
        c.channels != offered.channels)
      continue;
    if (sameName(c.name, "H264")) {
      if (h264PacketizationMode(c) != h264PacketizationMode(offered)) continue;
      const auto want = c.params.find("profile-level-id");
      const auto got = offered.params.find("profile-level-id");
      if (want != c.params.end() && got != offered.params.end()) {
        const auto a = parseH264ProfileLevelId(want->second);
        const auto b = parseH264ProfileLevelId(got->second);
        if (!a || !b || a->profileIdc != b->profileIdc) continue;
      }
    }
    return &c;
  }
  return nullptr;
}

// The RIDs of an offered `a=simulcast:send` list that the answer accepts: the first
// alternative of each stream, '~' (paused) stripped, only RIDs the m-line declares as send,
// at most `max`. Without them the browser falls back to one stream.
std::vector<std::string> acceptedRids(const MediaSection& o, size_t max) {
  std::vector<std::string> out;
  if (!o.simulcast || o.simulcast->send.empty()) return out;
  std::string_view list = o.simulcast->send;
  while (!list.empty() && out.size() < max) {
    size_t semi = list.find(';');
    std::string_view stream = list.substr(0, semi);
    list = semi == std::string_view::npos ? std::string_view() : list.substr(semi + 1);
    std::string_view first = stream.substr(0, stream.find(','));
    if (!first.empty() && first.front() == '~') first.remove_prefix(1);
    bool declared = std::any_of(o.rids.begin(), o.rids.end(),
                                [&](const Rid& r) { return r.send && r.id == first; });
    if (declared && std::find(out.begin(), out.end(), first) == out.end()) out.emplace_back(first);
  }
  return out;
}

MediaSection answerSection(const MediaSection& o, const AnswerParams& p) {
  MediaSection a;
  a.kind = o.kind;
  a.protocol = o.protocol;
  a.mid = o.mid;
  a.formats = o.formats;
  if (o.kind != MediaKind::Application) {
    std::set<uint8_t> kept;
    for (const Codec& c : codecsOf(o)) {
      if (sameName(c.name, "rtx")) continue;
      const Codec* s = supported(c, p.codecs);
      if (!s || !kept.insert(c.payloadType).second) continue;
      a.payloadTypes.push_back(c.payloadType);
      PayloadFormat f = o.payloads.at(c.payloadType);
      f.rtcpFb.clear();
      for (const std::string& fb : c.feedback)
        if (std::find(s->feedback.begin(), s->feedback.end(), fb) != s->feedback.end() &&
            std::find(f.rtcpFb.begin(), f.rtcpFb.end(), fb) == f.rtcpFb.end())
          f.rtcpFb.push_back(fb);
      a.payloads[c.payloadType] = std::move(f);
    }
    for (uint8_t pt : std::vector<uint8_t>(a.payloadTypes)) {
      if (const auto rtx = findRtxPayloadType(o, pt)) {
        a.payloadTypes.push_back(*rtx);
        a.payloads[*rtx] = o.payloads.at(*rtx);
        a.payloads[*rtx].rtcpFb.clear();
      }
    }
  }
  // An m-line offered with port 0 (a stopped transceiver) stays rejected (RFC 3264 §6).
  if (o.port == 0) a.payloadTypes.clear();
  if (a.payloadTypes.empty()) {
    // Rejected: port 0 and one offered format so the m= line stays valid.
    a.port = 0;
    if (o.kind != MediaKind::Application && !o.payloadTypes.empty())
      a.payloadTypes.push_back(o.payloadTypes.front());
    a.direction = Direction::Inactive;
    return a;
  }
  a.port = 9;
  a.otherLines.push_back("c=IN IP4 0.0.0.0");
  a.iceUfrag = p.iceUfrag;
  a.icePwd = p.icePwd;
  a.fingerprint = p.fingerprint;
  a.setup = o.setup == Setup::Passive ? Setup::Active : Setup::Passive;
  a.direction = reverse(o.direction.value_or(Direction::SendRecv));
  a.rtcpMux = o.rtcpMux;
  a.rtcpRsize = o.rtcpRsize;
  for (const Extmap& e : o.extmaps)
    if (std::find(p.headerExtensions.begin(), p.headerExtensions.end(), e.uri) !=
        p.headerExtensions.end())
      a.extmaps.push_back(Extmap{e.id, std::nullopt, e.uri, std::string()});
  const auto rids = acceptedRids(o, p.maxSimulcastLayers);
  if (!rids.empty()) {
    std::string recv;
    for (const std::string& id : rids) {
      a.rids.push_back(Rid{id, false, ""});
      recv += (recv.empty() ? "" : ";") + id;
    }
    a.simulcast = Simulcast{"", recv};
  }
  return a;
}

}  // namespace

SessionDescription AnswerBuilder::answerFor(const SessionDescription& offer,
                                            const AnswerParams& p) {
  SessionDescription a;
  a.origin = Origin{"-", p.sessionId, "2", "IN", "IP4", "127.0.0.1"};
  a.otherLines = {"s=-", "t=0 0"};
  a.iceLite = p.iceLite;
  a.extmapAllowMixed = offer.extmapAllowMixed;
  a.msidSemantic = std::vector<std::string>{"WMS"};
  std::vector<std::string> bundle;
  for (const MediaSection& o : offer.media) {
    a.media.push_back(answerSection(o, p));
    const MediaSection& s = a.media.back();
    if (s.port != 0 && s.mid && offer.bundle &&
        std::find(offer.bundle->begin(), offer.bundle->end(), *s.mid) != offer.bundle->end())
      bundle.push_back(*s.mid);
  }
  if (!bundle.empty()) a.bundle = std::move(bundle);
  return a;
}

}  // namespace parley::media::sdp
