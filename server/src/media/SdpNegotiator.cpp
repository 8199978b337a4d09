#include "media/SdpNegotiator.h"

#include <algorithm>
#include <charconv>

#include "media/sdp/AnswerBuilder.h"
#include "media/sdp/SdpSerializer.h"

namespace parley::media {

using sdp::Codec;
using sdp::MediaKind;
using sdp::MediaSection;
using sdp::SessionDescription;

namespace {

constexpr const char* kExtMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr const char* kExtAbsSendTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
constexpr const char* kExtTransportCc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
constexpr const char* kExtAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
constexpr const char* kExtVideoOrientation = "urn:3gpp:video-orientation";
constexpr const char* kExtRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
constexpr const char* kExtRepairedRid = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
// The publisher's capture time, forwarded untouched: receivers use it to measure end-to-end
// delay and to align streams (docs/media.md).
constexpr const char* kExtAbsCaptureTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";

Codec codec(std::string name, uint32_t clock, uint32_t channels,
            std::map<std::string, std::string> params, std::vector<std::string> feedback) {
  Codec c;
  c.name = std::move(name);
  c.clockRate = clock;
  c.channels = channels;
  c.params = std::move(params);
  c.feedback = std::move(feedback);
  return c;
}

bool hasFeedback(const Codec& c, std::string_view fb) {
  return std::find(c.feedback.begin(), c.feedback.end(), fb) != c.feedback.end();
}

HeaderExtensionIds idsOf(const std::vector<sdp::Extmap>& extmaps) {
  HeaderExtensionIds ids;
  for (const auto& e : extmaps) {
    if (e.id > 14) continue;  // the SFU reads one-byte extensions only
    auto id = static_cast<uint8_t>(e.id);
    if (e.uri == kExtMid)
      ids.mid = id;
    else if (e.uri == kExtAbsSendTime)
      ids.absSendTime = id;
    else if (e.uri == kExtTransportCc)
      ids.transportCc = id;
    else if (e.uri == kExtAudioLevel)
      ids.audioLevel = id;
    else if (e.uri == kExtVideoOrientation)
      ids.videoOrientation = id;
    else if (e.uri == kExtRid)
      ids.rid = id;
    else if (e.uri == kExtRepairedRid)
      ids.repairedRid = id;
  }
  return ids;
}

// A session-level attribute value ("a=<name>:<value>"), which Firefox uses for the
// fingerprint and ICE credentials of all m-lines.
std::optional<std::string> sessionAttribute(const SessionDescription& sd, std::string_view name) {
  for (const auto& a : sd.otherAttributes)
    if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == ':')
      return a.substr(name.size() + 1);
  return std::nullopt;
}

std::optional<TransportDescription> transportOf(const SessionDescription& sd, std::string* error) {
  for (const MediaSection& m : sd.media) {
    if (m.port == 0) continue;
    TransportDescription t;
    auto ufrag = m.iceUfrag ? m.iceUfrag : sessionAttribute(sd, "ice-ufrag");
    auto pwd = m.icePwd ? m.icePwd : sessionAttribute(sd, "ice-pwd");
    if (!ufrag || !pwd) {
      *error = "missing a=ice-ufrag/a=ice-pwd";
      return std::nullopt;
    }
    std::optional<sdp::Fingerprint> fingerprint = m.fingerprint;
    if (!fingerprint) {
      if (auto f = sessionAttribute(sd, "fingerprint"); f && f->find(' ') != std::string::npos)
        fingerprint = sdp::Fingerprint{f->substr(0, f->find(' ')), f->substr(f->find(' ') + 1)};
    }
    if (!fingerprint) {
      *error = "missing a=fingerprint";
      return std::nullopt;
    }
    t.iceUfrag = *ufrag;
    t.icePassword = *pwd;
    t.fingerprintHash = fingerprint->hash;
    t.fingerprint = fingerprint->hex;
    // actpass/passive peer: we connect as client only when it insists on being the server.
    auto setup = m.setup;
    if (!setup) {
      auto v = sessionAttribute(sd, "setup");
      if (v == "passive") setup = sdp::Setup::Passive;
    }
    t.dtlsRole = setup == sdp::Setup::Passive ? dtls::DtlsRole::Client : dtls::DtlsRole::Server;
    return t;
  }
  *error = "no usable m-line";
  return std::nullopt;
}

// The layers of a video m-line: SSRC simulcast (a=ssrc-group:SIM), RID simulcast, or one
// SSRC; RTX SSRCs from a=ssrc-group:FID.
constexpr size_t kMaxLayers = 3;  // what browsers send; each layer costs a retransmission buffer

std::vector<TrackDescription::Layer> layersOf(const MediaSection& m) {
  std::vector<TrackDescription::Layer> layers;
  auto rtxOf = [&m](uint32_t ssrc) -> uint32_t {
    for (const auto& g : m.ssrcGroups)
      if (g.semantics == "FID" && g.ssrcs.size() == 2 && g.ssrcs[0] == ssrc) return g.ssrcs[1];
    return 0;
  };
  for (const auto& g : m.ssrcGroups) {
    if (g.semantics != "SIM") continue;
    for (uint32_t s : g.ssrcs)
      if (layers.size() < kMaxLayers) layers.push_back({s, rtxOf(s), ""});
    return layers;
  }
  if (!m.rids.empty()) {
    for (const auto& r : m.rids)
      if (r.send && layers.size() < kMaxLayers) layers.push_back({0, 0, r.id});
    // Chrome lists RIDs highest first (f, h, q); layers are kept lowest first.
    std::reverse(layers.begin(), layers.end());
    return layers;
  }
  for (const auto& s : m.ssrcs) {
    bool isRtx = false;
    for (const auto& g : m.ssrcGroups)
      if (g.semantics == "FID" && g.ssrcs.size() == 2 && g.ssrcs[1] == s.ssrc) isRtx = true;
    if (isRtx) continue;
    if (std::none_of(layers.begin(), layers.end(), [&](const auto& l) { return l.ssrc == s.ssrc; }))
      layers.push_back({s.ssrc, rtxOf(s.ssrc), ""});
  }
  if (layers.size() > 1) layers.resize(1);  // without a SIM group only the first is media
  return layers;
}

std::string cnameOf(const MediaSection& m) {
  for (const auto& s : m.ssrcs)
    if (s.attribute == "cname" && s.value) return *s.value;
  return "parley";
}

void addLocalTransport(MediaSection& m, const SdpNegotiator::LocalEndpoint& local,
                       sdp::Setup setup) {
  m.port = 9;
  m.protocol = "UDP/TLS/RTP/SAVPF";
  m.otherLines = {"c=IN IP4 0.0.0.0"};
  m.iceUfrag = local.iceUfrag;
  m.icePwd = local.icePassword;
  m.fingerprint = sdp::Fingerprint{"sha-256", local.fingerprint};
  m.setup = setup;
  m.rtcpMux = true;
  m.candidates = SdpNegotiator::candidates(local);
  m.otherAttributes.push_back("end-of-candidates");
}

MediaSection outgoingSection(const SdpNegotiator::OutgoingTrack& t, const std::string& msidStream,
                             const SdpNegotiator::LocalEndpoint& local, sdp::Setup setup) {
  const TrackDescription& src = *t.source;
  MediaSection m;
  m.kind = src.kind;
  addLocalTransport(m, local, setup);
  m.mid = src.mid;
  m.direction = sdp::Direction::SendOnly;
  m.rtcpRsize = true;
  for (const Codec& c : src.codecs) {
    m.payloadTypes.push_back(c.payloadType);
    sdp::PayloadFormat f;
    f.rtpmap = sdp::RtpMap{c.name, c.clockRate,
                           c.channels > 1 ? std::optional<uint32_t>(c.channels) : std::nullopt};
    std::string fmtp;
    for (const auto& [k, v] : c.params) {
      if (!fmtp.empty()) fmtp += ';';
      fmtp += v.empty() ? k : k + "=" + v;
    }
    if (!fmtp.empty()) f.fmtp = fmtp;
    // Receivers ask the SFU: keyframes and retransmissions; REMB gives the bandwidth the
    // SFU uses to pick a simulcast layer (no transport-cc towards subscribers).
    if (src.isVideo()) f.rtcpFb = {"goog-remb", "ccm fir", "nack", "nack pli"};
    m.payloads[c.payloadType] = std::move(f);
  }
  // Extensions the SFU forwards or rewrites, with the publisher's ids so forwarded
  // headers stay meaningful.
  for (const auto& e : src.extmaps) {
    if (e.uri == kExtMid || e.uri == kExtAbsSendTime || e.uri == kExtAudioLevel ||
        e.uri == kExtVideoOrientation || e.uri == kExtAbsCaptureTime)
      m.extmaps.push_back(sdp::Extmap{e.id, std::nullopt, e.uri, ""});
  }
  m.msid = sdp::Msid{msidStream, t.trackId};
  m.ssrcs.push_back({t.ssrc, "cname", src.cname.empty() ? std::string("parley") : src.cname});
  m.ssrcs.push_back({t.ssrc, "msid", msidStream + " " + t.trackId});
  return m;
}

SessionDescription baseDescription(uint64_t version) {
  SessionDescription sd;
  sd.origin =
      sdp::Origin{"-", "4611731400430051336", std::to_string(version), "IN", "IP4", "127.0.0.1"};
  sd.otherLines = {"s=-", "t=0 0"};
  sd.iceLite = true;
  return sd;
}

}  // namespace

const std::vector<Codec>& SdpNegotiator::supportedCodecs() {
  static const std::vector<Codec> codecs = [] {
    std::vector<std::string> video = {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"};
    std::vector<Codec> c;
    c.push_back(codec("opus", 48000, 2, {}, {"transport-cc"}));
    c.push_back(codec("VP8", 90000, 1, {}, video));
    c.push_back(codec("VP9", 90000, 1, {}, video));
    c.push_back(codec("AV1", 90000, 1, {}, video));
    // H.264 packetization-mode 1 in the profiles browsers offer (matched on profile_idc).
    for (const char* plid : {"42e01f", "4d001f", "640c1f"})
      c.push_back(codec("H264", 90000, 1, {{"packetization-mode", "1"}, {"profile-level-id", plid}},
                        video));
    return c;
  }();
  return codecs;
}

const std::vector<std::string>& SdpNegotiator::supportedExtensions() {
  static const std::vector<std::string> ext = {
      kExtMid, kExtAbsSendTime, kExtTransportCc,   kExtAudioLevel, kExtVideoOrientation,
      kExtRid, kExtRepairedRid, kExtAbsCaptureTime};
  return ext;
}

std::vector<std::string> SdpNegotiator::candidates(const LocalEndpoint& local) {
  std::vector<std::string> out;
  if (local.udpPort)
    out.push_back("1 1 udp 2130706431 " + local.ip + " " + std::to_string(local.udpPort) +
                  " typ host generation 0");
  if (local.tcpPort)
    out.push_back("2 1 tcp 1518280447 " + local.ip + " " + std::to_string(local.tcpPort) +
                  " typ host tcptype passive generation 0");
  return out;
}

core::Result<SdpNegotiator::PublisherAnswer> SdpNegotiator::answerPublisher(
    std::string_view offerSdp, const LocalEndpoint& local) {
  std::string error;
  auto offer = SessionDescription::parse(offerSdp, &error);
  if (!offer)
    return core::Result<PublisherAnswer>::fail(core::Error::Code::Malformed,
                                               "invalid SDP: " + error);
  auto remote = transportOf(*offer, &error);
  if (!remote) return core::Result<PublisherAnswer>::fail(core::Error::Code::Invalid, error);

  sdp::AnswerParams params;
  params.iceUfrag = local.iceUfrag;
  params.icePwd = local.icePassword;
  params.fingerprint = sdp::Fingerprint{"sha-256", local.fingerprint};
  params.codecs = supportedCodecs();
  params.headerExtensions = supportedExtensions();
  SessionDescription answer = sdp::AnswerBuilder::answerFor(*offer, params);

  PublisherAnswer out;
  out.remote = *remote;
  bool anyMedia = false;
  for (size_t i = 0; i < answer.media.size(); ++i) {
    MediaSection& a = answer.media[i];
    const MediaSection& o = offer->media[i];
    if (a.port == 0 || a.kind == MediaKind::Application) continue;
    anyMedia = true;
    a.candidates = candidates(local);
    a.otherAttributes.push_back("end-of-candidates");
    TrackDescription t;
    t.kind = a.kind;
    t.mid = a.mid.value_or(std::to_string(i));
    for (uint8_t pt : a.payloadTypes) {
      auto c = sdp::codecFor(a, pt);
      if (!c) continue;
      if (sdp::sameName(c->name, "rtx")) {
        auto apt = c->params.find("apt");
        if (apt != c->params.end()) {
          // The offer is the peer's text: a number, whole, or nothing.
          int v = -1;
          const std::string& text = apt->second;
          auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
          if (ec == std::errc() && end == text.data() + text.size() && v >= 0 && v < 128)
            t.rtxPayloads[pt] = static_cast<uint8_t>(v);
        }
        continue;
      }
      t.codecs.push_back(*c);
    }
    if (t.codecs.empty()) continue;
    const Codec& first = t.codecs.front();
    t.nack = hasFeedback(first, "nack");
    t.pli = hasFeedback(first, "nack pli");
    t.fir = hasFeedback(first, "ccm fir");
    t.transportCc = hasFeedback(first, "transport-cc");
    t.remb = hasFeedback(first, "goog-remb");
    t.extmaps = a.extmaps;
    t.ext = idsOf(a.extmaps);
    t.layers = layersOf(o);
    t.cname = cnameOf(o);
    out.tracks.push_back(std::move(t));
  }
  if (!anyMedia)
    return core::Result<PublisherAnswer>::fail(core::Error::Code::Invalid,
                                               "no supported audio or video");
  out.sdp = sdp::SdpSerializer::serialize(answer);
  return out;
}

std::string SdpNegotiator::offerSubscriber(const std::vector<OutgoingTrack>& tracks,
                                           const std::string& msidStream,
                                           const LocalEndpoint& local, uint64_t version) {
  SessionDescription sd = baseDescription(version);
  sd.msidSemantic = std::vector<std::string>{"WMS", msidStream};
  std::vector<std::string> bundle;
  for (const auto& t : tracks) {
    sd.media.push_back(outgoingSection(t, msidStream, local, sdp::Setup::ActPass));
    bundle.push_back(*sd.media.back().mid);
  }
  sd.bundle = bundle;
  return sdp::SdpSerializer::serialize(sd);
}

core::Result<SdpNegotiator::SubscriberAnswer> SdpNegotiator::readSubscriberAnswer(
    std::string_view answerSdp) {
  std::string error;
  auto answer = SessionDescription::parse(answerSdp, &error);
  if (!answer)
    return core::Result<SubscriberAnswer>::fail(core::Error::Code::Malformed,
                                                "invalid SDP: " + error);
  auto remote = transportOf(*answer, &error);
  if (!remote) return core::Result<SubscriberAnswer>::fail(core::Error::Code::Invalid, error);
  SubscriberAnswer out;
  // In an answer `active` means the browser connects: we are the DTLS server.
  out.remote = *remote;
  for (const auto& m : answer->media) {
    if (m.setup == sdp::Setup::Active) out.remote.dtlsRole = dtls::DtlsRole::Server;
    if (m.port == 0 || !m.mid) continue;
    out.acceptedMids.push_back(*m.mid);
    out.acceptedPayloadTypes[*m.mid] = m.payloadTypes;
  }
  return out;
}

core::Result<SdpNegotiator::SubscriberAnswer> SdpNegotiator::readSubscriberOffer(
    std::string_view offerSdp) {
  return readSubscriberAnswer(offerSdp);
}

namespace {

// Whether the offer can receive our codec `c`: the same name, clock rate and channels, and for
// H.264 the same packetization mode and profile.
bool offerCanReceive(const MediaSection& offer, const Codec& c) {
  for (const Codec& o : sdp::codecsOf(offer)) {
    if (!sdp::sameName(o.name, c.name) || o.clockRate != c.clockRate || o.channels != c.channels)
      continue;
    if (sdp::sameName(c.name, "H264")) {
      if (sdp::h264PacketizationMode(o) != sdp::h264PacketizationMode(c)) continue;
      auto a = c.params.find("profile-level-id");
      auto b = o.params.find("profile-level-id");
      if (a != c.params.end() && b != o.params.end()) {
        auto pa = sdp::parseH264ProfileLevelId(a->second);
        auto pb = sdp::parseH264ProfileLevelId(b->second);
        if (!pa || !pb || pa->profileIdc != pb->profileIdc) continue;
      }
    }
    return true;
  }
  return false;
}

}  // namespace

std::string SdpNegotiator::answerSubscriberOffer(
    std::string_view offerSdp, const std::vector<OutgoingTrack>& tracks,
    const std::string& msidStream, const LocalEndpoint& local,
    std::map<std::string, std::vector<uint8_t>>* kept) {
  auto offer = SessionDescription::parse(offerSdp);
  SessionDescription sd = baseDescription(3);
  sd.msidSemantic = std::vector<std::string>{"WMS", msidStream};
  std::vector<std::string> bundle;
  if (!offer) return {};
  std::vector<bool> used(tracks.size(), false);
  // Same m-lines in the same order as the subscriber's offer: ours where the mid matches, else
  // the first unused track of the same kind (a WHEP client numbers its mids its own way).
  for (const auto& om : offer->media) {
    size_t found = tracks.size();
    for (size_t i = 0; i < tracks.size() && found == tracks.size(); ++i)
      if (!used[i] && om.mid && tracks[i].source && tracks[i].source->mid == *om.mid) found = i;
    for (size_t i = 0; i < tracks.size() && found == tracks.size(); ++i)
      if (!used[i] && tracks[i].source && tracks[i].source->kind == om.kind &&
          om.direction != sdp::Direction::SendOnly && om.port != 0)
        found = i;
    std::optional<MediaSection> section;
    if (found < tracks.size()) {
      // The DTLS association may already exist with the SFU as server: stay passive unless
      // the offerer insists on being passive itself.
      sdp::Setup setup = om.setup == sdp::Setup::Passive ? sdp::Setup::Active : sdp::Setup::Passive;
      MediaSection m = outgoingSection(tracks[found], msidStream, local, setup);
      // Only the codecs the offer can receive; none → the m-line is refused.
      std::vector<uint8_t> keep;
      for (uint8_t pt : m.payloadTypes) {
        auto c = sdp::codecFor(m, pt);
        if (c && offerCanReceive(om, *c)) keep.push_back(pt);
      }
      if (!keep.empty()) {
        for (auto it = m.payloads.begin(); it != m.payloads.end();)
          it = std::find(keep.begin(), keep.end(), it->first) == keep.end() ? m.payloads.erase(it)
                                                                            : std::next(it);
        m.payloadTypes = keep;
        if (om.mid && m.mid != om.mid) {
          // Forwarded packets carry the publisher's mid in their header extension: under
          // another mid the extension is left unnegotiated and the client goes by SSRC.
          m.mid = om.mid;
          std::erase_if(m.extmaps, [](const sdp::Extmap& e) { return e.uri == kExtMid; });
        }
        if (kept) (*kept)[tracks[found].source->mid] = keep;
        used[found] = true;
        section = std::move(m);
      }
    }
    if (!section) {
      MediaSection rejected;
      rejected.kind = om.kind;
      rejected.port = 0;
      rejected.protocol = om.protocol;
      rejected.payloadTypes = om.payloadTypes.empty() ? std::vector<uint8_t>{0}
                                                      : std::vector<uint8_t>{om.payloadTypes[0]};
      rejected.mid = om.mid;
      rejected.direction = sdp::Direction::Inactive;
      sd.media.push_back(rejected);
      continue;
    }
    sd.media.push_back(std::move(*section));
    bundle.push_back(*sd.media.back().mid);
  }
  sd.bundle = bundle;
  return sdp::SdpSerializer::serialize(sd);
}

}  // namespace parley::media
