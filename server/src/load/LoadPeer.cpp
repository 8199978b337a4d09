#include "load/LoadPeer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "core/Crypto.h"
#include "load/AbsCaptureTime.h"
#include "media/ByteOrder.h"
#include "media/codecs/H264Payload.h"
#include "media/codecs/Vp8PayloadDescriptor.h"
#include "media/rtcp/Fir.h"
#include "media/rtcp/GenericNack.h"
#include "media/rtcp/Pli.h"
#include "media/rtcp/ReceiverReport.h"
#include "media/rtcp/Remb.h"
#include "media/rtcp/RtcpCompound.h"
#include "media/rtcp/RtcpHeader.h"
#include "media/rtcp/SenderReport.h"
#include "media/rtp/RtpPacket.h"
#include "media/sdp/SessionDescription.h"
#include "media/stun/StunMessage.h"

namespace parley::load {

using media::ByteOrder;
namespace sdp = media::sdp;

namespace {

constexpr const char* kExtMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr const char* kExtAbsCaptureTime =
    "http://www.webrtc.org/experiments/rtp-hdrext/abs-capture-time";
constexpr uint8_t kMidId = 4;
constexpr uint8_t kAbsCaptureTimeId = 13;
constexpr uint8_t kOpusPt = 111;
constexpr uint8_t kVp8Pt = 96;
constexpr uint8_t kH264Pt = 102;
constexpr int64_t kCheckEveryUs = 50000;         // until the first answer
constexpr int64_t kConsentEveryUs = 2500000;     // afterwards
constexpr int64_t kConsentTimeoutUs = 30000000;  // RFC 7675
constexpr int64_t kReportEveryUs = 1000000;
constexpr uint64_t kRembBitrate = 50000000;  // "send me everything": the best layer

std::string randomToken(size_t chars) {
  return core::Crypto::randomAlphanumeric(chars);
}

uint32_t randomU32() {
  std::string b = core::Crypto::randomBytes(4);
  return ByteOrder::read32(reinterpret_cast<const uint8_t*>(b.data()));
}

// "candidate:" value → (ip, port) of a UDP IPv4 candidate.
bool parseCandidate(const std::string& candidate, std::string& ip, uint16_t& port) {
  std::string value = candidate;
  if (value.rfind("candidate:", 0) == 0) value.erase(0, 10);
  std::istringstream in(value);
  std::string foundation, component, transport, priority, address, portText;
  if (!(in >> foundation >> component >> transport >> priority >> address >> portText))
    return false;
  if (transport != "udp" && transport != "UDP") return false;
  in_addr probe{};
  if (inet_pton(AF_INET, address.c_str(), &probe) != 1) return false;
  char* end = nullptr;
  unsigned long p = std::strtoul(portText.c_str(), &end, 10);
  if (*end != '\0' || p == 0 || p > 65535) return false;
  ip = address;
  port = static_cast<uint16_t>(p);
  return true;
}

// A session-level attribute "name:value" from the parser's leftovers.
std::optional<std::string> sessionAttribute(const sdp::SessionDescription& sd,
                                            const std::string& name) {
  for (const auto& a : sd.otherAttributes)
    if (a.rfind(name + ":", 0) == 0) return a.substr(name.size() + 1);
  return std::nullopt;
}

}  // namespace

LoadPeer::LoadPeer(Kind kind, std::shared_ptr<const media::dtls::DtlsCertificate> certificate,
                   const std::string& localIp, const PublisherMedia* media, bool dtlsServer)
    : kind_(kind),
      certificate_(std::move(certificate)),
      media_(media),
      dtlsServerWanted_(dtlsServer),
      localIp_(localIp),
      localUfrag_(randomToken(8)),
      localPwd_(randomToken(24)),
      intervalRandom_(randomU32()),
      rtcpSsrc_(randomU32()),
      msid_(randomToken(12)) {
  // Always the controlling agent: a full ICE server that offers (Janus's subscriptions) also
  // starts controlling, and the larger tie-breaker keeps the role (RFC 8445 §7.3.1.1), so the
  // server switches and no 487 round trip is needed.
  tieBreaker_ = ~uint64_t{0};
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (inet_pton(AF_INET, localIp.c_str(), &a.sin_addr) != 1) {
    ::close(fd_);
    throw std::runtime_error("--local-ip is not an IPv4 address: " + localIp);
  }
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd_);
    throw std::runtime_error("bind " + localIp + ": " + why);
  }
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  localPort_ = ntohs(a.sin_port);
  // The kernel's receive time of each datagram: what the latency is measured at, so the
  // load tool's own queueing does not count against the server.
  int on = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  // Datagrams the kernel has as one segmented message (a server using UDP GSO) are read as
  // one; MediaLoop splits them. Saves the per-packet receive work a browser's NIC would do.
  ::setsockopt(fd_, SOL_UDP, UDP_GRO, &on, sizeof on);
  int buffer = 1 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  dtls_ = std::make_unique<media::dtls::DtlsTransport>(
      certificate_, static_cast<media::dtls::DtlsTransport::Listener&>(*this));

  if (kind_ == Kind::Publisher && media_) {
    uint16_t seq = static_cast<uint16_t>(randomU32());
    if (media_->audio) {
      PublishedTrack::Settings s;
      s.video = false;
      s.codec = ClipCodec::Opus;
      s.ssrc = randomU32();
      s.payloadType = kOpusPt;
      s.clockRate = 48000;
      s.frames = media_->audio;
      s.mid = "0";
      published_.push_back(std::make_unique<PublishedTrack>(s, randomU32(), seq));
    }
    for (const auto& layer : media_->video) {
      PublishedTrack::Settings s;
      s.video = true;
      s.codec = media_->videoCodec;
      s.ssrc = randomU32();
      s.payloadType = media_->videoCodec == ClipCodec::H264 ? kH264Pt : kVp8Pt;
      s.clockRate = 90000;
      s.frames = layer;
      s.mid = media_->audio ? "1" : "0";
      s.pacingFactor = media_->pacingFactor;
      published_.push_back(std::make_unique<PublishedTrack>(s, randomU32(), seq));
    }
  }
}

LoadPeer::~LoadPeer() {
  if (dtls_) dtls_->close();
  if (fd_ >= 0) ::close(fd_);
}

std::string LoadPeer::offer() {
  std::ostringstream o;
  const std::string ice = "a=ice-ufrag:" + localUfrag_ + "\r\na=ice-pwd:" + localPwd_ +
                          "\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " +
                          certificate_->fingerprintSha256() + "\r\na=setup:actpass\r\n";
  const std::string candidate = "a=candidate:1 1 udp 2122260223 " + localIp_ + " " +
                                std::to_string(localPort_) + " typ host generation 0\r\n";
  const PublishedTrack* audio = nullptr;
  std::vector<const PublishedTrack*> video;
  for (const auto& t : published_)
    (t->settings().video ? video.push_back(t.get()) : void(audio = t.get()));
  std::string bundle;
  if (audio) bundle += " 0";
  if (!video.empty()) bundle += audio ? " 1" : " 0";
  o << "v=0\r\no=- " << (randomU32() & 0x7FFFFFFF) << " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    << "a=group:BUNDLE" << bundle << "\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS " << msid_
    << "\r\n";
  auto common = [&](const std::string& mid) {
    o << "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      << candidate << ice << "a=mid:" << mid << "\r\n"
      << "a=extmap:" << int(kMidId) << " " << kExtMid << "\r\n"
      << "a=extmap:" << int(kAbsCaptureTimeId) << " " << kExtAbsCaptureTime << "\r\n"
      << "a=sendonly\r\na=msid:" << msid_ << " " << msid_ << "-" << mid << "\r\na=rtcp-mux\r\n";
  };
  if (audio) {
    o << "m=audio 9 UDP/TLS/RTP/SAVPF " << int(kOpusPt) << "\r\n";
    common("0");
    o << "a=rtpmap:" << int(kOpusPt) << " opus/48000/2\r\n"
      << "a=fmtp:" << int(kOpusPt) << " minptime=10;useinbandfec=1\r\n"
      << "a=ssrc:" << audio->settings().ssrc << " cname:" << msid_ << "\r\n"
      << "a=ssrc:" << audio->settings().ssrc << " msid:" << msid_ << " " << msid_ << "-0\r\n";
  }
  if (!video.empty()) {
    const std::string mid = audio ? "1" : "0";
    const uint8_t pt = video.front()->settings().payloadType;
    o << "m=video 9 UDP/TLS/RTP/SAVPF " << int(pt) << "\r\n";
    common(mid);
    if (pt == kH264Pt)
      o << "a=rtpmap:" << int(pt) << " H264/90000\r\n"
        << "a=fmtp:" << int(pt)
        << " level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n";
    else
      o << "a=rtpmap:" << int(pt) << " VP8/90000\r\n";
    for (const char* fb : {"goog-remb", "ccm fir", "nack", "nack pli"})
      o << "a=rtcp-fb:" << int(pt) << " " << fb << "\r\n";
    if (video.size() > 1) {
      o << "a=ssrc-group:SIM";
      for (const auto* v : video) o << " " << v->settings().ssrc;
      o << "\r\n";
    }
    for (const auto* v : video)
      o << "a=ssrc:" << v->settings().ssrc << " cname:" << msid_ << "\r\n"
        << "a=ssrc:" << v->settings().ssrc << " msid:" << msid_ << " " << msid_ << "-" << mid
        << "\r\n";
  }
  return o.str();
}

bool LoadPeer::readRemote(const std::string& text, std::string* error) {
  std::string parseError;
  auto sd = sdp::SessionDescription::parse(text, &parseError);
  if (!sd) {
    if (error) *error = "remote SDP: " + parseError;
    return false;
  }
  auto sessionUfrag = sessionAttribute(*sd, "ice-ufrag");
  auto sessionPwd = sessionAttribute(*sd, "ice-pwd");
  auto sessionFingerprint = sessionAttribute(*sd, "fingerprint");
  std::optional<sdp::Setup> setup;
  for (const auto& m : sd->media) {
    if (m.port == 0) continue;
    if (remoteUfrag_.empty() && m.iceUfrag) remoteUfrag_ = *m.iceUfrag;
    if (remotePwd_.empty() && m.icePwd) remotePwd_ = *m.icePwd;
    if (remoteFingerprint_.empty() && m.fingerprint) {
      remoteFingerprintHash_ = m.fingerprint->hash;
      remoteFingerprint_ = m.fingerprint->hex;
    }
    if (!setup && m.setup) setup = m.setup;
    for (const auto& c : m.candidates)
      if (remotePort_ == 0) parseCandidate(c, remoteIp_, remotePort_);
  }
  if (remoteUfrag_.empty() && sessionUfrag) remoteUfrag_ = *sessionUfrag;
  if (remotePwd_.empty() && sessionPwd) remotePwd_ = *sessionPwd;
  if (remoteFingerprint_.empty() && sessionFingerprint) {
    auto space = sessionFingerprint->find(' ');
    if (space != std::string::npos) {
      remoteFingerprintHash_ = sessionFingerprint->substr(0, space);
      remoteFingerprint_ = sessionFingerprint->substr(space + 1);
    }
  }
  if (remoteUfrag_.empty() || remotePwd_.empty() || remoteFingerprint_.empty()) {
    if (error) *error = "remote SDP without ICE credentials or fingerprint";
    return false;
  }
  if (kind_ == Kind::Publisher) {
    // In an answer: passive → we connect (DTLS client); active → we wait.
    weAreDtlsClient_ = !(setup && *setup == sdp::Setup::Active);
    for (auto& t : published_) {
      PublishedTrack::ExtensionIds ids;
      for (const auto& m : sd->media) {
        if (!m.mid || *m.mid != t->settings().mid || m.port == 0) continue;
        for (const auto& e : m.extmaps) {
          if (e.uri == kExtMid && e.id < 15) ids.mid = static_cast<uint8_t>(e.id);
          if (e.uri == kExtAbsCaptureTime && e.id < 15)
            ids.absCaptureTime = static_cast<uint8_t>(e.id);
        }
      }
      t->setExtensionIds(ids);
    }
  } else {
    // In an offer, actpass lets us choose; active forces us to wait, passive to connect.
    if (setup && *setup == sdp::Setup::Active)
      weAreDtlsClient_ = false;
    else if (setup && *setup == sdp::Setup::Passive)
      weAreDtlsClient_ = true;
    else
      weAreDtlsClient_ = !dtlsServerWanted_;
    for (const auto& m : sd->media) {
      if (m.port == 0 || m.kind == sdp::MediaKind::Application) continue;
      for (const auto& e : m.extmaps)
        if (e.uri == kExtAbsCaptureTime && e.id < 15)
          absCaptureTimeId_ = static_cast<uint8_t>(e.id);
      for (const auto& [pt, format] : m.payloads) {
        if (!format.rtpmap) continue;
        OfferedCodec c{pt, m.kind == sdp::MediaKind::Video, ClipCodec::Opus,
                       format.rtpmap->clockRate};
        if (auto named = clipCodecNamed(format.rtpmap->name)) c.codec = *named;
        offered_.push_back(c);
      }
    }
  }
  dtls_->setRemoteFingerprint(remoteFingerprintHash_, remoteFingerprint_);
  return true;
}

bool LoadPeer::acceptAnswer(const std::string& text, std::string* error) {
  return readRemote(text, error);
}

std::optional<std::string> LoadPeer::answer(const std::string& offerText, std::string* error) {
  if (!readRemote(offerText, error)) return std::nullopt;
  auto sd = sdp::SessionDescription::parse(offerText);
  std::ostringstream o;
  o << "v=0\r\no=- " << (randomU32() & 0x7FFFFFFF) << " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  std::string bundle;
  for (const auto& m : sd->media)
    if (m.port != 0 && m.mid && m.kind != sdp::MediaKind::Application) bundle += " " + *m.mid;
  o << "a=group:BUNDLE" << bundle << "\r\na=msid-semantic: WMS\r\n";
  for (const auto& m : sd->media) {
    const char* kind = m.kind == sdp::MediaKind::Audio   ? "audio"
                       : m.kind == sdp::MediaKind::Video ? "video"
                                                         : "application";
    if (m.port == 0 || m.kind == sdp::MediaKind::Application || !m.mid) {
      o << "m=" << kind << " 0 " << m.protocol;
      if (!m.formats.empty())
        for (const auto& f : m.formats) o << " " << f;
      else if (!m.payloadTypes.empty())
        o << " " << int(m.payloadTypes.front());
      else
        o << " 0";
      o << "\r\nc=IN IP4 0.0.0.0\r\n";
      if (m.mid) o << "a=mid:" << *m.mid << "\r\n";
      o << "a=inactive\r\n";
      continue;
    }
    // Every codec but retransmission (rtx): a repair stream would count as a stream of its own.
    std::vector<uint8_t> keep;
    for (uint8_t pt : m.payloadTypes) {
      auto f = m.payloads.find(pt);
      if (f != m.payloads.end() && f->second.rtpmap &&
          (f->second.rtpmap->name == "rtx" || f->second.rtpmap->name == "RTX"))
        continue;
      keep.push_back(pt);
    }
    o << "m=" << kind << " 9 " << m.protocol;
    for (uint8_t pt : keep) o << " " << int(pt);
    o << "\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      << "a=candidate:1 1 udp 2122260223 " << localIp_ << " " << localPort_
      << " typ host generation 0\r\n"
      << "a=ice-ufrag:" << localUfrag_ << "\r\na=ice-pwd:" << localPwd_
      << "\r\na=ice-options:trickle\r\na=fingerprint:sha-256 " << certificate_->fingerprintSha256()
      << "\r\na=setup:" << (weAreDtlsClient_ ? "active" : "passive") << "\r\na=mid:" << *m.mid
      << "\r\n";
    for (const auto& e : m.extmaps) o << "a=extmap:" << e.id << " " << e.uri << "\r\n";
    o << "a=recvonly\r\na=rtcp-mux\r\n";
    for (uint8_t pt : keep) {
      auto f = m.payloads.find(pt);
      if (f == m.payloads.end()) continue;
      if (f->second.rtpmap) {
        o << "a=rtpmap:" << int(pt) << " " << f->second.rtpmap->name << "/"
          << f->second.rtpmap->clockRate;
        if (f->second.rtpmap->channels) o << "/" << *f->second.rtpmap->channels;
        o << "\r\n";
      }
      for (const auto& fb : f->second.rtcpFb) o << "a=rtcp-fb:" << int(pt) << " " << fb << "\r\n";
      if (f->second.fmtp) o << "a=fmtp:" << int(pt) << " " << *f->second.fmtp << "\r\n";
    }
  }
  return o.str();
}

void LoadPeer::addRemoteCandidate(const std::string& candidate) {
  if (remotePort_ != 0) return;
  parseCandidate(candidate, remoteIp_, remotePort_);
}

void LoadPeer::start(int64_t nowUs, LatencyHistogram* latency, LatencyHistogram* sendLateness) {
  startedUs_ = nowUs;
  nowUs_ = nowUs;
  latency_ = latency;
  sendLateness_ = sendLateness;
  nextCheckUs_ = nowUs;
  lastResponseUs_ = nowUs;
  if (!weAreDtlsClient_) dtls_->start(media::dtls::DtlsRole::Server);
}

void LoadPeer::sendDatagram(const uint8_t* data, size_t size) {
  if (!remoteConnected_) return;
  ::send(fd_, data, size, MSG_DONTWAIT);  // a full socket buffer drops it, as on a network
}

void LoadPeer::sendCheck(int64_t nowUs) {
  if (remotePort_ == 0) return;
  if (!remoteConnected_) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(remotePort_);
    inet_pton(AF_INET, remoteIp_.c_str(), &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      return fail(std::string("connect: ") + std::strerror(errno));
    remoteConnected_ = true;
  }
  std::string tx = core::Crypto::randomBytes(12);
  std::memcpy(lastTransaction_, tx.data(), 12);
  uint8_t buf[600];
  size_t n = media::stun::StunMessage::buildBindingRequest(
      buf, sizeof buf, lastTransaction_, remoteUfrag_ + ":" + localUfrag_, remotePwd_, 0x6E7F1EFF,
      true, tieBreaker_);
  if (n) sendDatagram(buf, n);
  // Consent checks at 0.8-1.2 times the interval, as RFC 7675 §5.1 asks: thousands of
  // peers that joined in the same moment do not check in the same moment for ever after.
  nextCheckUs_ = nowUs + (iceConnected_ ? randomized(kConsentEveryUs, 0.8, 1.2) : kCheckEveryUs);
}

int64_t LoadPeer::randomized(int64_t us, double low, double high) {
  std::uniform_real_distribution<double> factor(low, high);
  return static_cast<int64_t>(static_cast<double>(us) * factor(intervalRandom_));
}

void LoadPeer::handleStun(const uint8_t* data, size_t size) {
  auto msg = media::stun::StunMessage::parse(data, size);
  if (!msg) return;
  if (msg->type() == 0x0101) {  // Binding success response
    if (std::memcmp(msg->transactionId(), lastTransaction_, 12) != 0) return;
    if (!msg->checkIntegrity(remotePwd_)) return;
    lastResponseUs_ = nowUs_;
    if (!iceConnected_) {
      iceConnected_ = true;
      if (weAreDtlsClient_) dtls_->start(media::dtls::DtlsRole::Client);
    }
  } else if (msg->type() == 0x0001) {  // a full ICE agent (Janus) checks us too
    if (!msg->checkIntegrity(localPwd_)) return;
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return;
    media::stun::StunMessage::Address mapped;
    mapped.family = 4;
    mapped.port = ntohs(peer.sin_port);
    std::memcpy(mapped.ip.data(), &peer.sin_addr, 4);
    uint8_t buf[200];
    size_t n = media::stun::StunMessage::buildBindingSuccess(buf, sizeof buf, msg->transactionId(),
                                                             mapped, localPwd_);
    if (n) sendDatagram(buf, n);
  }
}

void LoadPeer::receive(uint8_t* data, size_t size, int64_t nowUs, int64_t arrivalUnixUs) {
  if (size == 0 || !failure_.empty()) return;
  nowUs_ = nowUs;
  const uint8_t b = data[0];
  if (b < 4) return handleStun(data, size);
  if (b >= 20 && b < 64) {
    dtls_->receive(data, size);
    return;
  }
  if (b < 128 || b > 191 || size < 12 || !srtpIn_) return;
  const uint8_t pt = data[1];
  if (pt >= 192 && pt <= 223) return handleRtcp(data, size);
  handleRtp(data, size, nowUs, arrivalUnixUs);
}

bool LoadPeer::detectKeyframe(const uint8_t* data, size_t size) {
  uint8_t copy[PacketBatch::kSlotSize];
  if (size > sizeof copy) return false;
  std::memcpy(copy, data, size);
  size_t n = size;
  if (!srtpIn_->unprotectRtp(copy, n)) return false;
  auto p = media::rtp::RtpPacket::parse(copy, n);
  if (!p) return false;
  ClipCodec codec = ClipCodec::Opus;
  for (const auto& c : offered_)
    if (c.payloadType == p->payloadType()) codec = c.codec;
  auto payload = p->payload();
  if (codec == ClipCodec::Vp8) {
    auto d = media::codecs::Vp8PayloadDescriptor::parse(payload.data(), payload.size());
    if (!d || !d->beginningOfFrame() || d->size() >= payload.size()) return false;
    return (payload[d->size()] & 0x01) == 0;
  }
  if (codec == ClipCodec::H264) {
    auto h = media::codecs::H264Payload::parse(payload.data(), payload.size());
    return h && h->isKeyframe();
  }
  return false;
}

void LoadPeer::handleRtp(uint8_t* data, size_t size, int64_t nowUs, int64_t arrivalUnixUs) {
  const uint32_t ssrc = ByteOrder::read32(data + 8);
  ReceivedTrack* track = nullptr;
  for (auto& t : received_)
    if (t->ssrc == ssrc) track = t.get();
  if (!track) {
    if (received_.size() >= 8) return;  // a server that invents SSRCs gets no more memory
    const uint8_t pt = data[1] & 0x7F;
    bool video = false;
    uint32_t clock = 90000;
    for (const auto& c : offered_)
      if (c.payloadType == pt) {
        video = c.video;
        clock = c.clockRate;
      }
    received_.push_back(std::make_unique<ReceivedTrack>(ssrc, video, clock));
    track = received_.back().get();
  }
  track->stats.onPacket(ByteOrder::read16(data + 2), ByteOrder::read32(data + 4), arrivalUnixUs,
                        size);
  if (track->video && !firstKeyframeUs_ && detectKeyframe(data, size)) firstKeyframeUs_ = nowUs;
  if (absCaptureTimeId_ && latency_ && (data[0] & 0x10)) {
    // The header is not encrypted: the capture time is read without touching the payload.
    auto p = media::rtp::RtpPacket::parse(static_cast<const uint8_t*>(data), size);
    if (p) {
      if (auto ext = p->extension(absCaptureTimeId_)) {
        if (auto ntp = AbsCaptureTime::read(*ext)) {
          latency_->add(arrivalUnixUs - AbsCaptureTime::unixUsFromNtp(*ntp));
        }
      }
    }
  }
}

void LoadPeer::handleRtcp(uint8_t* data, size_t size) {
  if (kind_ != Kind::Publisher) return;  // a subscriber learns nothing it needs from the SFU
  size_t n = size;
  if (!srtpIn_->unprotectRtcp(data, n)) return;
  media::rtcp::RtcpCompound compound(data, n);
  while (auto p = compound.next()) {
    const uint8_t type = p->header.packetType();
    const uint8_t fmt = p->header.count();
    auto trackOf = [&](uint32_t ssrc) -> PublishedTrack* {
      for (auto& t : published_)
        if (t->settings().ssrc == ssrc) return t.get();
      return nullptr;
    };
    if (type == media::rtcp::RtcpHeader::kPayloadFeedback && fmt == 1) {
      if (auto pli = media::rtcp::Pli::parse(p->data, p->size))
        if (auto* t = trackOf(pli->mediaSsrc())) {
          t->requestKeyframe();
          ++pliReceived_;
        }
    } else if (type == media::rtcp::RtcpHeader::kPayloadFeedback && fmt == 4) {
      if (auto fir = media::rtcp::Fir::parse(p->data, p->size))
        for (size_t i = 0; i < fir->entryCount(); ++i)
          if (auto* t = trackOf(fir->entry(i).ssrc)) {
            t->requestKeyframe();
            ++pliReceived_;
          }
    } else if (type == media::rtcp::RtcpHeader::kRtpFeedback && fmt == 1) {
      auto nack = media::rtcp::GenericNack::parse(p->data, p->size);
      if (!nack) continue;
      PublishedTrack* t = trackOf(nack->mediaSsrc());
      if (!t) continue;
      uint16_t lost[64];
      size_t count = nack->lostSequenceNumbers(lost, 64);
      nackedPackets_ += count;
      for (size_t i = 0; i < count; ++i) {
        uint8_t buf[PacketBatch::kSlotSize];
        size_t len = t->copyForRetransmission(lost[i], buf);
        if (len == 0 || !srtpOut_->protectRtp(buf, len, sizeof buf)) continue;
        sendDatagram(buf, len);
      }
    }
  }
}

void LoadPeer::sendReports(int64_t unixUs) {
  uint8_t buf[PacketBatch::kSlotSize];
  size_t n = 0;
  const uint64_t ntp = AbsCaptureTime::ntpFromUnixUs(unixUs);
  if (kind_ == Kind::Publisher) {
    for (const auto& t : published_) {
      if (t->packetsSent() == 0) continue;
      media::rtcp::SenderReport::Info info;
      info.ssrc = t->settings().ssrc;
      info.ntpTimestamp = ntp;
      info.rtpTimestamp = t->lastTimestamp();
      info.packetCount = static_cast<uint32_t>(t->packetsSent());
      info.octetCount = static_cast<uint32_t>(t->bytesSent());
      n += media::rtcp::SenderReport::build(buf + n, sizeof buf - n - 40, info, {});
    }
  } else {
    media::rtcp::ReportBlock blocks[8];
    uint32_t ssrcs[8];
    size_t count = 0;
    for (const auto& t : received_) {
      media::rtcp::ReportBlock& b = blocks[count];
      auto s = t->stats.snapshot();
      b.ssrc = t->ssrc;
      b.cumulativeLost = static_cast<int32_t>(std::min<uint64_t>(s.lost, 0x7FFFFF));
      b.highestSequence = static_cast<uint32_t>(t->stats.extendedHighest());
      b.jitter = static_cast<uint32_t>(t->stats.jitter());
      ssrcs[count++] = t->ssrc;
    }
    n = media::rtcp::ReceiverReport::build(buf, sizeof buf, rtcpSsrc_, {blocks, count});
    if (count)
      n += media::rtcp::Remb::build(buf + n, sizeof buf - n - 40, rtcpSsrc_, kRembBitrate,
                                    {ssrcs, count});
  }
  if (n == 0 || !srtpOut_->protectRtcp(buf, n, sizeof buf)) return;
  sendDatagram(buf, n);
}

bool LoadPeer::tick(int64_t nowUs, int64_t unixUs) {
  if (!failure_.empty()) return false;
  nowUs_ = nowUs;
  if (nowUs >= nextCheckUs_) sendCheck(nowUs);
  if (nowUs - lastResponseUs_ > kConsentTimeoutUs) {
    fail(iceConnected_ ? "ICE consent lost" : "ICE: no answer to connectivity checks");
    return false;
  }
  if (auto t = dtls_->timeout(); t && t->count() <= 0) dtls_->handleTimeout();
  if (srtpOut_ && nowUs >= nextReportUs_) {
    sendReports(unixUs);
    // RFC 3550 §6.3.1: 0.5-1.5 times the interval, so receivers do not report in step.
    nextReportUs_ = nowUs + randomized(kReportEveryUs, 0.5, 1.5);
  }
  return failure_.empty();
}

int64_t LoadPeer::sendDue(int64_t nowUs, PacketBatch& batch) {
  if (!srtpOut_ || published_.empty()) return std::numeric_limits<int64_t>::max();
  int64_t next = std::numeric_limits<int64_t>::max();
  for (auto& t : published_) {
    for (int64_t dueUs = t->nextDueUs(); dueUs <= nowUs; dueUs = t->nextDueUs()) {
      batch.clear();
      // Stamped with the time it leaves, read anew for each send: the time the loop spent
      // on other publishers before this one is not counted as the network's.
      const uint64_t ntp = AbsCaptureTime::ntpFromUnixUs(AbsCaptureTime::nowUnixUs());
      if (t->send(nowUs, ntp, batch) == 0) break;
      if (sendLateness_) sendLateness_->add(nowUs - dueUs);
      mmsghdr headers[PacketBatch::kSlots];
      iovec iov[PacketBatch::kSlots];
      size_t count = 0;
      for (size_t i = 0; i < batch.count(); ++i) {
        size_t len = batch.size(i);
        if (!srtpOut_->protectRtp(batch.data(i), len, PacketBatch::kSlotSize)) continue;
        iov[count] = {batch.data(i), len};
        headers[count] = {};
        headers[count].msg_hdr.msg_iov = &iov[count];
        headers[count].msg_hdr.msg_iovlen = 1;
        ++count;
      }
      if (count && remoteConnected_) ::sendmmsg(fd_, headers, count, MSG_DONTWAIT);
    }
    next = std::min(next, t->nextDueUs());
  }
  return next;
}

void LoadPeer::onDtlsSend(const uint8_t* data, size_t size) {
  sendDatagram(data, size);
}

void LoadPeer::onDtlsConnected(media::srtp::SrtpProfile profile,
                               std::span<const uint8_t> localKeyMaterial,
                               std::span<const uint8_t> remoteKeyMaterial) {
  std::string error;
  srtpOut_ = media::srtp::SrtpSession::create(
      profile, media::srtp::SrtpSession::Direction::Outbound, localKeyMaterial, &error);
  srtpIn_ = media::srtp::SrtpSession::create(profile, media::srtp::SrtpSession::Direction::Inbound,
                                             remoteKeyMaterial, &error);
  if (!srtpOut_ || !srtpIn_) {
    srtpOut_.reset();
    srtpIn_.reset();
    return fail("SRTP: " + error);
  }
  connectedUs_ = nowUs_;
  for (auto& t : published_) t->start(nowUs_);
}

void LoadPeer::onDtlsFailed(std::string_view reason) {
  fail("DTLS: " + std::string(reason));
}

void LoadPeer::onDtlsClosed() {
  fail("DTLS closed by the server");
}

void LoadPeer::fail(std::string why) {
  if (failure_.empty()) failure_ = std::move(why);
}

}  // namespace parley::load
