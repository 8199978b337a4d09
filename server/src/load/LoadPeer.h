#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "load/ClipCodec.h"
#include "load/LatencyHistogram.h"
#include "load/PacketBatch.h"
#include "load/PublishedTrack.h"
#include "load/ReceiveStats.h"
#include "load/RtpPacketizer.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/dtls/DtlsTransport.h"
#include "media/srtp/SrtpSession.h"

namespace parley::load {

// One simulated browser peer connection: its own UDP socket (as a browser has one per peer
// connection), ICE as the controlling agent towards the server's candidate (nomination on
// the first check, consent checks afterwards), DTLS in whichever role the SDP gives, SRTP.
// A publisher plays its clips; a subscriber counts what arrives per SSRC from the clear
// RTP header (sequence gaps, jitter, abs-capture-time latency) without decrypting — only
// until its first video keyframe does it decrypt a copy, to see the keyframe.
//
// Set up on the signaling thread (SDP), then owned by one media loop thread.
class LoadPeer final : private media::dtls::DtlsTransport::Listener {
 public:
  enum class Kind { Publisher, Subscriber };
  struct PublisherMedia {
    ClipCodec videoCodec = ClipCodec::Vp8;
    std::shared_ptr<const std::vector<PacketizedFrame>> audio;  // null: no audio
    // One clip per simulcast layer, lowest first; empty: no video.
    std::vector<std::shared_ptr<const std::vector<PacketizedFrame>>> video;
    double pacingFactor = 0;  // video pacing rate / the clip's mean bitrate (0: none)
  };
  struct ReceivedTrack {
    uint32_t ssrc = 0;
    bool video = false;
    ReceiveStats stats;
    ReceivedTrack(uint32_t s, bool v, uint32_t clockRate) : ssrc(s), video(v), stats(clockRate) {}
  };

  // Throws std::runtime_error when the socket cannot be made.
  LoadPeer(Kind kind, std::shared_ptr<const media::dtls::DtlsCertificate> certificate,
           const std::string& localIp, const PublisherMedia* media, bool dtlsServer);
  ~LoadPeer() override;
  LoadPeer(const LoadPeer&) = delete;
  LoadPeer& operator=(const LoadPeer&) = delete;

  Kind kind() const { return kind_; }
  int fd() const { return fd_; }

  // ---- signaling thread, before start() ----
  std::string offer();
  bool acceptAnswer(const std::string& sdp, std::string* error);
  std::optional<std::string> answer(const std::string& offerSdp, std::string* error);

  // ---- media loop thread ----
  // `latency` gets each received packet's end-to-end latency, `sendLateness` how late
  // (µs) each of this publisher's sends left after it fell due (both the loop's).
  void start(int64_t nowUs, LatencyHistogram* latency, LatencyHistogram* sendLateness);
  void addRemoteCandidate(const std::string& candidate);
  void receive(uint8_t* data, size_t size, int64_t nowUs, int64_t arrivalUnixUs);
  // Timers: ICE checks, DTLS retransmissions, RTCP reports. Returns false once failed.
  bool tick(int64_t nowUs, int64_t unixUs);
  // Publisher: sends what is due; returns the next due time (INT64_MAX: nothing to send).
  int64_t sendDue(int64_t nowUs, PacketBatch& batch);

  bool connected() const { return srtpOut_ != nullptr; }
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  int64_t startedUs() const { return startedUs_; }
  // When the subscription was asked for (steady µs): time to first keyframe counts from it.
  void setRequestedUs(int64_t us) { requestedUs_ = us; }
  int64_t requestedUs() const { return requestedUs_; }
  std::optional<int64_t> connectedUs() const { return connectedUs_; }
  std::optional<int64_t> firstKeyframeUs() const { return firstKeyframeUs_; }
  const std::vector<std::unique_ptr<ReceivedTrack>>& received() const { return received_; }
  const std::vector<std::unique_ptr<PublishedTrack>>& published() const { return published_; }
  uint64_t pliReceived() const { return pliReceived_; }
  uint64_t nackedPackets() const { return nackedPackets_; }

 private:
  // DtlsTransport::Listener
  void onDtlsSend(const uint8_t* data, size_t size) override;
  void onDtlsConnected(media::srtp::SrtpProfile profile, std::span<const uint8_t> localKeyMaterial,
                       std::span<const uint8_t> remoteKeyMaterial) override;
  void onDtlsFailed(std::string_view reason) override;
  void onDtlsClosed() override;

  bool readRemote(const std::string& sdp, std::string* error);
  void sendCheck(int64_t nowUs);
  void handleStun(const uint8_t* data, size_t size);
  void handleRtp(uint8_t* data, size_t size, int64_t nowUs, int64_t arrivalUnixUs);
  void handleRtcp(uint8_t* data, size_t size);
  void sendReports(int64_t unixUs);
  void sendDatagram(const uint8_t* data, size_t size);
  void fail(std::string why);
  // `us` scaled by a random factor in [low, high): each peer keeps a clock of its own.
  int64_t randomized(int64_t us, double low, double high);
  bool detectKeyframe(const uint8_t* data, size_t size);

  Kind kind_;
  std::shared_ptr<const media::dtls::DtlsCertificate> certificate_;
  const PublisherMedia* media_;
  bool dtlsServerWanted_;
  int fd_ = -1;
  std::string localIp_;
  uint16_t localPort_ = 0;
  std::string localUfrag_, localPwd_;
  std::string remoteUfrag_, remotePwd_, remoteFingerprintHash_, remoteFingerprint_;
  std::string remoteIp_;
  uint16_t remotePort_ = 0;
  bool remoteConnected_ = false;  // the socket is connect()ed to the remote candidate
  bool weAreDtlsClient_ = true;
  uint64_t tieBreaker_ = 0;
  uint8_t lastTransaction_[12] = {};
  bool iceConnected_ = false;
  int64_t nextCheckUs_ = 0;
  int64_t lastResponseUs_ = 0;
  int64_t nowUs_ = 0;  // the loop's clock at the last call
  int64_t nextReportUs_ = 0;
  std::minstd_rand intervalRandom_;
  int64_t startedUs_ = 0;
  int64_t requestedUs_ = 0;
  std::optional<int64_t> connectedUs_;
  std::optional<int64_t> firstKeyframeUs_;
  std::unique_ptr<media::dtls::DtlsTransport> dtls_;
  std::unique_ptr<media::srtp::SrtpSession> srtpOut_;
  std::unique_ptr<media::srtp::SrtpSession> srtpIn_;
  std::string failure_;
  LatencyHistogram* latency_ = nullptr;
  LatencyHistogram* sendLateness_ = nullptr;
  uint32_t rtcpSsrc_ = 0;

  // Publisher.
  std::string msid_;
  std::vector<std::unique_ptr<PublishedTrack>> published_;
  uint64_t pliReceived_ = 0;
  uint64_t nackedPackets_ = 0;

  // Subscriber: what the server's offer said.
  struct OfferedCodec {
    uint8_t payloadType;
    bool video;
    ClipCodec codec;  // Opus for audio and unknown video codecs
    uint32_t clockRate;
  };
  std::vector<OfferedCodec> offered_;
  uint8_t absCaptureTimeId_ = 0;
  std::vector<std::unique_ptr<ReceivedTrack>> received_;
};

}  // namespace parley::load
