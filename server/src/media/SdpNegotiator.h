#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/Result.h"
#include "media/TrackDescription.h"
#include "media/TransportDescription.h"
#include "media/sdp/SessionDescription.h"

namespace parley::media {

// The SFU's side of SDP (docs/protocol.md §8.2, §8.3): answers publisher offers, writes the offers
// that send a publication to a subscriber, and reads subscribers' answers. Pure functions on the
// control thread; the results (track and transport descriptions) go to a media worker.
class SdpNegotiator {
 public:
  struct LocalEndpoint {
    std::string ip;        // announced in candidates
    uint16_t udpPort = 0;  // 0: no UDP candidate
    uint16_t tcpPort = 0;  // 0: no ICE-TCP candidate
    std::string iceUfrag;
    std::string icePassword;
    std::string fingerprint;  // sha-256, SDP form
  };

  struct PublisherAnswer {
    std::string sdp;
    std::vector<TrackDescription> tracks;
    TransportDescription remote;
  };
  // Answers a publisher's offer: recvonly, the codecs and extensions the SFU forwards.
  static core::Result<PublisherAnswer> answerPublisher(std::string_view offerSdp,
                                                       const LocalEndpoint& local);

  // One outgoing track of a subscription: the publication's track with the SFU's SSRC.
  struct OutgoingTrack {
    const TrackDescription* source = nullptr;
    uint32_t ssrc = 0;
    std::string trackId;
  };
  // The offer that carries `tracks` (audio and video of one stream, in one msid stream).
  static std::string offerSubscriber(const std::vector<OutgoingTrack>& tracks,
                                     const std::string& msidStream, const LocalEndpoint& local,
                                     uint64_t version);

  struct SubscriberAnswer {
    TransportDescription remote;
    std::vector<std::string> acceptedMids;
    // Per accepted mid, the payload types the subscriber's answer kept: a codec it cannot
    // decode is left out, and the SFU must not send it packets of that codec.
    std::map<std::string, std::vector<uint8_t>> acceptedPayloadTypes;
  };
  static core::Result<SubscriberAnswer> readSubscriberAnswer(std::string_view answerSdp);
  // A subscriber's own offer (ICE restart, docs/protocol.md §8.5): answered with our tracks as they
  // are.
  static core::Result<SubscriberAnswer> readSubscriberOffer(std::string_view offerSdp);
  // `kept` (optional) receives, per track (by its source mid), the payload types the answer
  // kept: those of codecs the offer can receive.
  static std::string answerSubscriberOffer(
      std::string_view offerSdp, const std::vector<OutgoingTrack>& tracks,
      const std::string& msidStream, const LocalEndpoint& local,
      std::map<std::string, std::vector<uint8_t>>* kept = nullptr);

  // "candidate:…" strings for the local endpoint (UDP, then TCP passive).
  static std::vector<std::string> candidates(const LocalEndpoint& local);

  static const std::vector<sdp::Codec>& supportedCodecs();
  static const std::vector<std::string>& supportedExtensions();
};

}  // namespace parley::media
