#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/Json.h"
#include "record/PacketRing.h"

namespace parley::media {

enum class TrackKind { Audio, Video };

// What the session layer asks of the SFU, on the control thread (docs/protocol.md §8.2, §8.3,
// §8.5). Implemented by Sfu; the session layer never sees SDP internals, sockets or workers.
class MediaService {
 public:
  // Upward news, delivered on the control thread.
  class Events {
   public:
    virtual ~Events() = default;
    virtual void publicationReady(const std::string& sessionId, const std::string& streamId) = 0;
    virtual void publicationFailed(const std::string& sessionId, const std::string& streamId,
                                   const std::string& reason) = 0;
    virtual void subscriptionFailed(const std::string& sessionId, const std::string& subscriberId,
                                    const std::string& reason) = 0;
    // Audio fallback: the SFU stopped (true) or resumed (false) a subscriber's video because
    // its bandwidth could not carry it.
    virtual void subscriberVideoSuspended(const std::string& /*sessionId*/,
                                          const std::string& /*subscriberId*/, bool /*suspended*/) {
    }
  };

  struct Negotiation {
    bool ok = false;
    std::string error;  // why not, safe to log
    std::string sdp;    // the SFU's answer or offer ("" when nothing is to be sent)
    std::vector<std::string> candidates;  // "candidate:…" lines for trickle messages
    std::string sdpMid;                   // the m-line the candidates belong to
  };

  virtual ~MediaService() = default;
  virtual void setEvents(Events* events) = 0;

  // A publisher's offer (first or renegotiation) → the SFU's answer.
  virtual Negotiation publisherOffer(const std::string& sessionId, const std::string& streamId,
                                     const std::string& offerSdp) = 0;
  // A new subscription to a published stream → the SFU's offer.
  virtual Negotiation subscribe(const std::string& sessionId, const std::string& streamId,
                                const std::string& subscriberId, bool audio, bool video) = 0;
  virtual Negotiation subscriberAnswer(const std::string& sessionId,
                                       const std::string& subscriberId,
                                       const std::string& answerSdp) = 0;
  // The subscriber's own offer (ICE restart) → the SFU's answer.
  virtual Negotiation subscriberOffer(const std::string& sessionId, const std::string& subscriberId,
                                      const std::string& offerSdp) = 0;
  virtual void unpublish(const std::string& sessionId, const std::string& streamId) = 0;
  virtual void unsubscribe(const std::string& sessionId, const std::string& subscriberId) = 0;
  // Stops or resumes forwarding a publisher's track (force mute, publishAudio(false)).
  virtual void setPublisherTrack(const std::string& sessionId, const std::string& streamId,
                                 TrackKind kind, bool active) = 0;
  // A subscriber's subscribeToAudio/Video and preferred resolution.
  virtual void setSubscriberTrack(const std::string& sessionId, const std::string& subscriberId,
                                  TrackKind kind, bool active) = 0;
  virtual void setSubscriberPreferredSize(const std::string& sessionId,
                                          const std::string& subscriberId, uint32_t width,
                                          uint32_t height, uint32_t fullWidth) = 0;
  // A subscriber's preferredFrameRate (0: none) and restrictFrameRate: the SFU leaves out VP8
  // temporal layers above what they allow (docs/media.md#frame-rate).
  virtual void setSubscriberFrameRate(const std::string& /*sessionId*/,
                                      const std::string& /*subscriberId*/, double /*preferredFps*/,
                                      bool /*restricted*/) {}
  // Lets the SFU stop this subscriber's video when its bandwidth cannot carry the lowest layer
  // (the stream's subscriberAudioFallbackEnabled; docs/media.md#audio-fallback).
  virtual void setSubscriberVideoFallback(const std::string& /*sessionId*/,
                                          const std::string& /*subscriberId*/, bool /*allowed*/) {}
  // ---- recording (archives) ----
  // One track of a publication as a recording needs to know it.
  struct PublishedTrack {
    TrackKind kind = TrackKind::Audio;
    std::string codec;  // as in the SDP: "VP8", "VP9", "H264", "opus"
    uint32_t clockRate = 0;
    uint32_t channels = 1;
  };
  // The tracks of a routed publication in the order recording taps number them; empty
  // when there is no such publication.
  virtual std::vector<PublishedTrack> publishedTracks(const std::string& sessionId,
                                                      const std::string& streamId) = 0;
  // Attaches a recording tap to the publication: its packets go into `ring` until
  // stopRecording or until the publication goes, and then the ring is closed (also when the
  // publication is already gone). `outputs[i]`: the file track that track i goes to (0xff:
  // not recorded).
  virtual void startRecording(const std::string& sessionId, const std::string& streamId,
                              uint64_t tapId, std::shared_ptr<record::PacketRing> ring,
                              std::vector<uint8_t> outputs) = 0;
  virtual void stopRecording(const std::string& sessionId, uint64_t tapId) = 0;
  // Asks the publisher for a keyframe (a recording lost packets it cannot do without).
  virtual void requestKeyframe(const std::string& sessionId, const std::string& streamId) = 0;

  // Per-transport and per-stream statistics of one session (REST debug endpoint). Never
  // waits for a media worker: the answer may be a recent snapshot (Sfu says how old).
  virtual core::Json sessionStats(const std::string& sessionId) = 0;
};

}  // namespace parley::media
