// CPU per forwarded packet through the SFU's whole hot path, set up as in production:
//   copy into the receive buffer → SRTP unprotect (publisher transport) → RTP parse →
//   Publication → Producer → Router fan-out → per-consumer rewrite → SRTP protect → send buffer.
// One publisher (one VP8 track) and N subscribers on one Worker's Router; ICE gets its
// selected address from a real STUN check (through Worker::dispatch) and SRTP its keys via
// onDtlsConnected, as a finished DTLS handshake would. The transports write into a
// discarding PacketSink instead of the worker's UdpSocket so that sendmmsg and the
// kernel stay out of the figure: it measures up to (and including) the send buffer.
// BM_ForwardRecorded adds a recording tap to the fan-out (the copy into its ring is the
// worker's share of recording); the ring is drained while the timer is paused.
// BM_ForwardRecordedWhileRecording20 does the same while a Recorder thread writes 20 other
// streams' files (RecordingLoad, queued at their real rate by a thread standing in for the
// other workers), to see whether the worker's cost per packet moves.

#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "RecordingLoad.h"

#include "media/ByteOrder.h"
#include "media/Consumer.h"
#include "media/Publication.h"
#include "media/RecordingTap.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/TrackDescription.h"
#include "media/WebRtcTransport.h"
#include "media/Worker.h"
#include "media/WorkerEvents.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"
#include "media/net/UdpSocket.h"
#include "media/srtp/SrtpSession.h"
#include "media/stun/StunMessage.h"
#include "obs/Logger.h"
#include "record/PacketRing.h"

namespace parley::media {
namespace {

using srtp::SrtpProfile;
using srtp::SrtpSession;

constexpr uint32_t kVideoSsrc = 0x1234ABCD;
constexpr uint32_t kVideoRtxSsrc = 0x1234ABCE;
constexpr uint8_t kVp8PayloadType = 96;
constexpr uint8_t kRtxPayloadType = 97;
constexpr uint8_t kAbsSendTimeId = 2;
constexpr uint8_t kTransportCcId = 3;
constexpr size_t kPayloadSize = 1100;  // VP8 descriptor + VP8 data: a full-MTU video packet
constexpr int kPacketsPerFrame = 8;    // 8.8 kB frames at 30 fps: ~2.2 Mbit/s
constexpr uint32_t kFrameTicks = 90000 / 30;
constexpr int64_t kPacketIntervalUs = 1000000 / 30 / kPacketsPerFrame;
constexpr size_t kPreparedPackets = 4096;
constexpr size_t kWarmupPackets = 64;

const char* profileName(SrtpProfile p) {
  return p == SrtpProfile::AeadAes128Gcm ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
}

// The worker's news goes to the control thread in production; nobody listens here.
class NullWorkerEvents final : public WorkerEvents {
 public:
  void publicationConnected(const std::string&, const std::string&) override {}
  void publicationClosed(const std::string&, const std::string&, const std::string&) override {}
  void subscriptionConnected(const std::string&, const std::string&) override {}
  void subscriptionClosed(const std::string&, const std::string&, const std::string&) override {}
};

// Stands in for the worker's UdpSocket send queue: the same number of slots, used in turn
// (so the cache footprint of the written packets is the production one), but commit()
// only counts instead of queueing for sendmmsg.
class DiscardingSink final : public net::PacketSink {
 public:
  uint8_t* reserve() override { return slots_[next_].data(); }
  void commit(size_t size, const net::SocketAddress&) override {
    ++packets_;
    bytes_ += size;
    next_ = (next_ + 1) % slots_.size();
  }
  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return bytes_; }

 private:
  // kSlotSize is a multiple of 4: every slot stays word-aligned, as UdpSocket's are.
  alignas(64) std::array<std::array<uint8_t, kSlotSize>, Worker::kSendSlots> slots_{};
  size_t next_ = 0;
  uint64_t packets_ = 0;
  uint64_t bytes_ = 0;
};

// Deterministic, distinct key material per transport (the values do not matter).
std::vector<uint8_t> keyMaterial(SrtpProfile profile, uint32_t seed) {
  std::vector<uint8_t> k(srtp::srtpKeyMaterialSize(profile));
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : k) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return k;
}

// One protected packet as it would arrive from the network.
struct WirePacket {
  alignas(16) std::array<uint8_t, net::PacketSink::kSlotSize> bytes;
  size_t size = 0;
  int64_t arrivalUs = 0;
};

// The browser's side of the publisher's peer connection: VP8 packets as Chrome sends them
// (one-byte header extensions abs-send-time and transport-cc, an extended VP8 payload
// descriptor with a 15-bit PictureID), SRTP-protected with the key the SFU unprotects with.
class BrowserVideoSender {
 public:
  BrowserVideoSender(SrtpProfile profile, const std::vector<uint8_t>& key, int64_t startUs)
      : srtp_(SrtpSession::create(profile, SrtpSession::Direction::Outbound, key)),
        nowUs_(startUs) {
    // Some filler so the payload is not all zeros (it is encrypted anyway).
    uint32_t x = 12345;
    for (auto& b : filler_) {
      x = x * 1103515245u + 12345u;
      b = static_cast<uint8_t>(x >> 16);
    }
  }

  bool ok() const { return srtp_ != nullptr; }

  // Overwrites `out` with the next packets of the stream. The first packet ever is the
  // start of a keyframe; the stream then continues with delta frames, sequence numbers
  // (wrapping, so the rollover counter moves too) and timestamps going on across calls.
  bool fill(std::vector<WirePacket>& out) {
    for (auto& p : out)
      if (!next(p)) return false;
    return true;
  }

 private:
  bool next(WirePacket& p) {
    uint8_t* d = p.bytes.data();
    const bool lastOfFrame = packetInFrame_ == kPacketsPerFrame - 1;
    d[0] = 0x90;  // V=2, X=1
    d[1] = static_cast<uint8_t>((lastOfFrame ? 0x80 : 0) | kVp8PayloadType);
    ByteOrder::write16(d + 2, seq_);
    ByteOrder::write32(d + 4, timestamp_);
    ByteOrder::write32(d + 8, kVideoSsrc);
    // RFC 8285 one-byte extensions: 2 words.
    ByteOrder::write16(d + 12, 0xBEDE);
    ByteOrder::write16(d + 14, 2);
    const uint32_t absSendTime = static_cast<uint32_t>(((nowUs_ << 18) / 1000000) & 0xFFFFFF);
    d[16] = static_cast<uint8_t>(kAbsSendTimeId << 4 | 2);
    d[17] = static_cast<uint8_t>(absSendTime >> 16);
    d[18] = static_cast<uint8_t>(absSendTime >> 8);
    d[19] = static_cast<uint8_t>(absSendTime);
    d[20] = static_cast<uint8_t>(kTransportCcId << 4 | 1);
    ByteOrder::write16(d + 21, transportSeq_);
    d[23] = 0;  // padding
    size_t pos = 24;

    uint8_t* payload = d + pos;
    std::memcpy(payload, filler_.data(), kPayloadSize);
    const bool startOfFrame = packetInFrame_ == 0;
    payload[0] = startOfFrame ? 0x90 : 0x80;  // X, S on the first packet, PID 0
    payload[1] = 0x80;                        // I: PictureID present
    ByteOrder::write16(payload + 2, static_cast<uint16_t>(0x8000 | (pictureId_ & 0x7FFF)));
    if (startOfFrame) {
      // VP8 frame tag (RFC 6386 §9.1): P = 0 on keyframes, 1 on interframes; show_frame.
      const bool keyframe = frame_ == 0;
      payload[4] = static_cast<uint8_t>((keyframe ? 0x00 : 0x01) | 0x10);
      payload[5] = 0x20;
      payload[6] = 0x00;
      if (keyframe) {
        payload[7] = 0x9d;  // start code
        payload[8] = 0x01;
        payload[9] = 0x2a;
        payload[10] = 1280 & 0xFF;  // width 1280, height 720, little endian
        payload[11] = 1280 >> 8;
        payload[12] = 720 & 0xFF;
        payload[13] = 720 >> 8;
      }
    }
    pos += kPayloadSize;

    p.size = pos;
    p.arrivalUs = nowUs_;
    if (!srtp_->protectRtp(d, p.size, p.bytes.size())) return false;

    ++seq_;
    ++transportSeq_;
    nowUs_ += kPacketIntervalUs;
    if (++packetInFrame_ == kPacketsPerFrame) {
      packetInFrame_ = 0;
      ++frame_;
      ++pictureId_;
      timestamp_ += kFrameTicks;
    }
    return true;
  }

  std::unique_ptr<SrtpSession> srtp_;
  std::array<uint8_t, kPayloadSize> filler_{};
  int64_t nowUs_;
  uint16_t seq_ = 65000;  // wraps within the first batch
  uint16_t transportSeq_ = 1;
  uint32_t timestamp_ = 0x10000000;
  uint64_t frame_ = 0;
  int packetInFrame_ = 0;
  uint16_t pictureId_ = 100;
};

TrackDescription vp8Track() {
  TrackDescription t;
  t.kind = sdp::MediaKind::Video;
  t.mid = "1";
  sdp::Codec vp8;
  vp8.payloadType = kVp8PayloadType;
  vp8.name = "VP8";
  vp8.clockRate = 90000;
  vp8.feedback = {"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"};
  t.codecs.push_back(vp8);
  t.rtxPayloads[kRtxPayloadType] = kVp8PayloadType;
  t.extmaps.push_back(sdp::Extmap{kAbsSendTimeId, std::nullopt,
                                  "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
                                  ""});
  t.extmaps.push_back(
      sdp::Extmap{kTransportCcId, std::nullopt,
                  "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01", ""});
  t.ext.absSendTime = kAbsSendTimeId;
  t.ext.transportCc = kTransportCcId;
  t.layers.push_back(TrackDescription::Layer{kVideoSsrc, kVideoRtxSsrc, ""});
  t.cname = "bench";
  t.nack = true;
  t.pli = true;
  t.fir = true;
  t.transportCc = true;
  return t;
}

// Everything one benchmark run forwards through. Member order is destruction order in
// reverse: the worker (and its router, publication, subscriptions) goes before the sink
// its transports write into.
class ForwardingSetup {
 public:
  ForwardingSetup(SrtpProfile profile, size_t subscribers, bool recorded)
      : worker_(0, Worker::Settings{}, events_) {
    static const auto certificate = dtls::DtlsCertificate::generate();
    Router& router = worker_.router("bench-session");
    const int64_t startUs = Worker::steadyNowUs();

    // Publisher: transport, ICE check from the browser's address, then DTLS-SRTP keys.
    auto pubTransport =
        std::make_unique<WebRtcTransport>("pub:bench", "pubufrag", password(0), certificate, sink_);
    publication_ = &router.addPublication(std::make_unique<Publication>(
        router, "bench-stream", std::vector<TrackDescription>{vp8Track()},
        std::move(pubTransport)));
    publisherAddress_ = *net::SocketAddress::parse("127.0.0.1", 40000);
    if (!iceCheck(publication_->transport(), password(0), publisherAddress_)) {
      error_ = "the publisher's STUN check selected no address";
      return;
    }
    const auto pubLocal = keyMaterial(profile, 1);
    const auto pubRemote = keyMaterial(profile, 2);  // the browser's key: what it protects with
    publication_->transport().onDtlsConnected(profile, pubLocal, pubRemote);
    if (!publication_->transport().connected() || !publication_->announced()) {
      error_ = "the publisher's transport did not connect";
      return;
    }
    sender_ = std::make_unique<BrowserVideoSender>(profile, pubRemote, startUs);
    if (!sender_->ok()) {
      error_ = "cannot create the browser's SRTP session";
      return;
    }

    Producer* producer = publication_->producer(sdp::MediaKind::Video);
    for (size_t i = 0; i < subscribers; ++i) {
      const std::string id = "sub" + std::to_string(i);
      const std::string ufrag = "subufrag" + std::to_string(i);
      auto transport = std::make_unique<WebRtcTransport>("sub:" + id, ufrag, password(i + 1),
                                                         certificate, sink_);
      std::vector<std::unique_ptr<Consumer>> consumers;
      consumers.push_back(std::make_unique<Consumer>(
          *producer, 0x50000000u + static_cast<uint32_t>(i), "track-" + id));
      Subscription& s = router.addSubscription(std::make_unique<Subscription>(
          router, id, *publication_, std::move(transport), std::move(consumers)));
      // Each subscriber behind its own port, as separate browsers would be.
      const auto from = *net::SocketAddress::parse("127.0.0.1", static_cast<uint16_t>(41000 + i));
      if (!iceCheck(s.transport(), password(i + 1), from)) {
        error_ = "a subscriber's STUN check selected no address";
        return;
      }
      // Connecting tells the Subscription (its onTransportConnected), which then forwards
      // and asks the publisher for a keyframe.
      s.transport().onDtlsConnected(profile,
                                    keyMaterial(profile, static_cast<uint32_t>(10 + 2 * i)),
                                    keyMaterial(profile, static_cast<uint32_t>(11 + 2 * i)));
      if (!s.transport().connected()) {
        error_ = "a subscriber's transport did not connect";
        return;
      }
      subscriptions_.push_back(&s);
    }
    if (recorded) {
      // Room for all the packets between two refills: the recorder never falls behind.
      ring_ = std::make_shared<record::PacketRing>(kPreparedPackets);
      tap_ = std::make_unique<RecordingTap>(ring_);
      router.attach(*publication_, *tap_);
    }
    packets_.resize(kPreparedPackets);
    refill();
  }

  const std::string& error() const { return error_; }
  const DiscardingSink& sink() const { return sink_; }
  WebRtcTransport& publisherTransport() { return publication_->transport(); }
  const net::SocketAddress& publisherAddress() const { return publisherAddress_; }

  // The prepared packets in order; when they are used up refill() protects the next ones.
  const std::vector<WirePacket>& packets() const { return packets_; }
  void refill() {
    if (!sender_->fill(packets_)) error_ = "protecting the browser's packets failed";
    if (ring_)
      while (ring_->front()) ring_->pop();
  }
  // With a recording tap: every packet so far went into its ring.
  bool allRecorded(uint64_t packets) const {
    return !ring_ || (ring_->pushed() == packets && ring_->dropped() == 0);
  }

  // Every subscriber forwarded something and nothing failed SRTP on the way in.
  bool allConsumersForwarded() const {
    for (Subscription* s : subscriptions_)
      if (s->consumers().front()->forwarded() == 0) return false;
    return true;
  }
  uint64_t srtpErrors() const { return publication_->transport().stats().srtpErrors; }

 private:
  static std::string password(size_t i) { return "benchpassword0123456789-" + std::to_string(i); }

  // A nominating check as the browser sends it, through the worker's STUN dispatch (which
  // also maps the address to the transport, as for real traffic).
  bool iceCheck(WebRtcTransport& t, const std::string& pwd, const net::SocketAddress& from) {
    alignas(4) uint8_t request[256];
    uint8_t tid[stun::StunMessage::kTransactionIdSize] = {};
    ByteOrder::write32(tid, ++transactions_);
    const size_t n = stun::StunMessage::buildBindingRequest(
        request, sizeof request, tid, t.localUfrag() + ":remote", pwd, 0x6E7F1EFF, true,
        0x0102030405060708ull);
    if (n == 0) return false;
    const uint64_t before = sink_.packets();
    worker_.dispatch(request, n, from);
    // The SFU answered (a Binding success) and now sends to `from`.
    return sink_.packets() == before + 1 && t.selectedAddress() == from.toString();
  }

  DiscardingSink sink_;
  NullWorkerEvents events_;
  std::shared_ptr<record::PacketRing> ring_;
  std::unique_ptr<RecordingTap> tap_;  // outlives the worker's router, which points to it
  Worker worker_;
  Publication* publication_ = nullptr;
  std::vector<Subscription*> subscriptions_;
  net::SocketAddress publisherAddress_;
  std::unique_ptr<BrowserVideoSender> sender_;
  std::vector<WirePacket> packets_;
  uint32_t transactions_ = 0;
  std::string error_;
};

// 20 streams recorded in the background, at their real rate, for as long as it lives.
class BackgroundRecording {
 public:
  static constexpr size_t kStreams = 20;

  BackgroundRecording() : load_(kStreams, 1024) {
    std::string error;
    if (!record::RecordingLoad::clip(&error)) {
      error_ = error;
    } else if (!load_.error().empty()) {
      error_ = load_.error();
    } else {
      thread_ = std::thread([this] {
        load_.play(record::RecordingLoad::Pace::RealTime, &stop_);
        done_ = true;
      });
    }
  }
  ~BackgroundRecording() { stop(); }

  const std::string& error() const { return error_; }
  // Still queueing (the clip lasts 5 s: longer than a benchmark run).
  bool running() const { return thread_.joinable() && !done_; }
  // Stops queueing, lets the recorder finish the files; what it recorded.
  bool stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return load_.finish(std::chrono::seconds(60)) && load_.allOk();
  }
  uint64_t pushed() const { return load_.pushed(); }
  uint64_t dropped() const { return load_.dropped(); }

 private:
  record::RecordingLoad load_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::string error_;
  std::thread thread_;
};

void forward(benchmark::State& state, SrtpProfile profile, bool recorded,
             bool recorderBusy = false) {
  obs::Logger::setLevel(obs::Logger::Level::Warn);  // one "connected" line per transport
  const auto subscribers = static_cast<size_t>(state.range(0));
  auto setup = std::make_unique<ForwardingSetup>(profile, subscribers, recorded);
  if (!setup->error().empty()) {
    state.SkipWithError(setup->error().c_str());
    return;
  }
  std::unique_ptr<BackgroundRecording> background;
  if (recorderBusy) {
    background = std::make_unique<BackgroundRecording>();
    if (!background->error().empty()) {
      state.SkipWithError(background->error().c_str());
      return;
    }
  }
  WebRtcTransport& transport = setup->publisherTransport();
  const net::SocketAddress from = setup->publisherAddress();
  // Like one of the worker's recvmmsg buffers: SRTP unprotects in place.
  alignas(64) static uint8_t receive[net::UdpSocket::kReceiveSize];
  size_t next = 0;
  auto deliver = [&] {
    const WirePacket& p = setup->packets()[next];
    std::memcpy(receive, p.bytes.data(), p.size);
    transport.onSrtp(receive, p.size, false, from, p.arrivalUs);
  };

  // Warm-up, untimed: the keyframe starts every consumer, SRTP learns each SSRC, caches
  // fill. Every packet must come out once per subscriber.
  const uint64_t warmupBefore = setup->sink().packets();
  for (; next < kWarmupPackets; ++next) deliver();
  const uint64_t warmupOut = setup->sink().packets() - warmupBefore;
  if (warmupOut != kWarmupPackets * subscribers || !setup->allConsumersForwarded() ||
      setup->srtpErrors() != 0) {
    state.SkipWithError("warm-up: packets did not come out of the sink once per subscriber");
    return;
  }

  const uint64_t before = setup->sink().packets();
  const uint64_t bytesBefore = setup->sink().bytes();
  for (auto _ : state) {
    deliver();
    if (++next == kPreparedPackets) {
      state.PauseTiming();
      setup->refill();
      next = 0;
      state.ResumeTiming();
    }
  }
  if (background) {
    const bool throughout = background->running();
    if (!background->stop() || !throughout) {
      state.SkipWithError("the background recording failed or ended before the timed loop");
      return;
    }
    state.counters["recorder_packets"] = static_cast<double>(background->pushed());
    state.counters["recorder_dropped"] = static_cast<double>(background->dropped());
  }
  const uint64_t forwarded = setup->sink().packets() - before;
  const uint64_t expected = static_cast<uint64_t>(state.iterations()) * subscribers;
  if (!setup->error().empty() || setup->srtpErrors() != 0 || forwarded != expected ||
      !setup->allRecorded(kWarmupPackets + static_cast<uint64_t>(state.iterations()))) {
    state.SkipWithError("timed loop: not every packet was forwarded to every subscriber");
    return;
  }

  state.SetLabel(profileName(profile));
  state.SetItemsProcessed(static_cast<int64_t>(forwarded));
  state.SetBytesProcessed(static_cast<int64_t>(setup->sink().bytes() - bytesBefore));
  // time / (iterations × subscribers), in ns: a rate of subscribers × 1e-9 per iteration,
  // inverted. The console prints it with an SI prefix and an "s" (1.5ks = 1500 ns), so
  // per_forwarded_packet repeats it in seconds (printed e.g. "1.5us") for reading.
  state.counters["ns_per_forwarded_packet"] = benchmark::Counter(
      static_cast<double>(subscribers) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["per_forwarded_packet"] = benchmark::Counter(
      static_cast<double>(subscribers),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Forward(benchmark::State& state, SrtpProfile profile) {
  forward(state, profile, false);
}

void BM_ForwardRecorded(benchmark::State& state, SrtpProfile profile) {
  forward(state, profile, true);
}

void BM_ForwardRecordedWhileRecording20(benchmark::State& state, SrtpProfile profile) {
  forward(state, profile, true, true);
}

// The SRTP share of the above in isolation: one SrtpSession on one packet of the size
// BM_Forward forwards, with `idle` other transports' sessions (an inbound and an outbound
// each, every one with a stream) alive in the process, as subscribers would be.
class IdleSessions {
 public:
  IdleSessions(SrtpProfile profile, size_t transports) {
    std::array<uint8_t, net::PacketSink::kSlotSize> packet{};
    for (size_t i = 0; i < transports; ++i) {
      const auto key = keyMaterial(profile, static_cast<uint32_t>(1000 + i));
      sessions_.push_back(SrtpSession::create(profile, SrtpSession::Direction::Inbound, key));
      sessions_.push_back(SrtpSession::create(profile, SrtpSession::Direction::Outbound, key));
      packet[0] = 0x80;
      ByteOrder::write32(packet.data() + 8, static_cast<uint32_t>(i + 1));
      size_t size = 24 + kPayloadSize;
      if (!sessions_.back() || !sessions_.back()->protectRtp(packet.data(), size, packet.size()))
        ok_ = false;
    }
  }
  bool ok() const { return ok_; }

 private:
  std::vector<std::unique_ptr<SrtpSession>> sessions_;
  bool ok_ = true;
};

void BM_SrtpProtect(benchmark::State& state, SrtpProfile profile) {
  IdleSessions idle(profile, static_cast<size_t>(state.range(0)));
  auto session =
      SrtpSession::create(profile, SrtpSession::Direction::Outbound, keyMaterial(profile, 7));
  if (!idle.ok() || !session) {
    state.SkipWithError("cannot create the SRTP sessions");
    return;
  }
  // A clear packet as a consumer writes it: header with extensions, 1100-byte payload.
  alignas(64) std::array<uint8_t, net::PacketSink::kSlotSize> clear{};
  clear[0] = 0x90;
  clear[1] = kVp8PayloadType;
  ByteOrder::write32(clear.data() + 8, 0x50000000);
  ByteOrder::write16(clear.data() + 12, 0xBEDE);
  ByteOrder::write16(clear.data() + 14, 2);
  const size_t clearSize = 24 + kPayloadSize;
  alignas(64) std::array<uint8_t, net::PacketSink::kSlotSize> slot{};
  uint16_t seq = 0;
  for (auto _ : state) {
    std::memcpy(slot.data(), clear.data(), clearSize);
    ByteOrder::write16(slot.data() + 2, ++seq);
    size_t size = clearSize;
    if (!session->protectRtp(slot.data(), size, slot.size())) {
      state.SkipWithError("protect failed");
      break;
    }
    benchmark::DoNotOptimize(slot.data());
  }
  state.SetLabel(profileName(profile));
  state.SetItemsProcessed(state.iterations());
}

void BM_SrtpUnprotect(benchmark::State& state, SrtpProfile profile) {
  IdleSessions idle(profile, static_cast<size_t>(state.range(0)));
  const auto key = keyMaterial(profile, 7);
  auto session = SrtpSession::create(profile, SrtpSession::Direction::Inbound, key);
  BrowserVideoSender sender(profile, key, 0);
  std::vector<WirePacket> packets(kPreparedPackets);
  if (!idle.ok() || !session || !sender.ok() || !sender.fill(packets)) {
    state.SkipWithError("cannot create the SRTP sessions");
    return;
  }
  alignas(64) static uint8_t receive[net::UdpSocket::kReceiveSize];
  size_t next = 0;
  for (auto _ : state) {
    const WirePacket& p = packets[next];
    std::memcpy(receive, p.bytes.data(), p.size);
    size_t size = p.size;
    if (!session->unprotectRtp(receive, size)) {
      state.SkipWithError("unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(receive);
    if (++next == packets.size()) {
      state.PauseTiming();
      if (!sender.fill(packets)) state.SkipWithError("protect failed");
      next = 0;
      state.ResumeTiming();
    }
  }
  state.SetLabel(profileName(profile));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_CAPTURE(BM_Forward, AES_CM_128_HMAC_SHA1_80, SrtpProfile::AesCm128HmacSha1_80)
    ->ArgName("subscribers")
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kNanosecond);
BENCHMARK_CAPTURE(BM_Forward, AEAD_AES_128_GCM, SrtpProfile::AeadAes128Gcm)
    ->ArgName("subscribers")
    ->Arg(1)
    ->Arg(10)
    ->Arg(100)
    ->Arg(1000)
    ->Unit(benchmark::kNanosecond);
// One recorded stream: compare with BM_Forward at the same number of subscribers.
BENCHMARK_CAPTURE(BM_ForwardRecorded, AEAD_AES_128_GCM, SrtpProfile::AeadAes128Gcm)
    ->ArgName("subscribers")
    ->Arg(1)
    ->Arg(10)
    ->Unit(benchmark::kNanosecond);
// The same while the recorder thread writes 20 streams on the other core.
BENCHMARK_CAPTURE(BM_ForwardRecordedWhileRecording20, AEAD_AES_128_GCM, SrtpProfile::AeadAes128Gcm)
    ->ArgName("subscribers")
    ->Arg(1)
    ->Arg(10)
    ->Unit(benchmark::kNanosecond);

BENCHMARK_CAPTURE(BM_SrtpProtect, AES_CM_128_HMAC_SHA1_80, SrtpProfile::AesCm128HmacSha1_80)
    ->ArgName("idle_transports")
    ->Arg(0)
    ->Arg(1000);
BENCHMARK_CAPTURE(BM_SrtpProtect, AEAD_AES_128_GCM, SrtpProfile::AeadAes128Gcm)
    ->ArgName("idle_transports")
    ->Arg(0)
    ->Arg(1000);
BENCHMARK_CAPTURE(BM_SrtpUnprotect, AES_CM_128_HMAC_SHA1_80, SrtpProfile::AesCm128HmacSha1_80)
    ->ArgName("idle_transports")
    ->Arg(0)
    ->Arg(1000);
BENCHMARK_CAPTURE(BM_SrtpUnprotect, AEAD_AES_128_GCM, SrtpProfile::AeadAes128Gcm)
    ->ArgName("idle_transports")
    ->Arg(0)
    ->Arg(1000);

}  // namespace
}  // namespace parley::media
