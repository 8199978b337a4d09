#pragma once

#include <string>

namespace parley::load {

// The signaling of one simulated client, whatever the server speaks (OpenTok's Rumor/Raptor
// for parleyd, the videoroom plugin for Janus in the side-by-side benchmark). It joins a
// session (or room), publishes at most one stream and subscribes to streams by the ids the
// publishers' clients reported. Everything runs on the runner's signaling thread: calls and
// Listener callbacks alike.
class SignalingClient {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // Joined the session: the time from join() to here is the client's join time.
    virtual void onJoined() = 0;
    // Publisher: the SDP offer to send (the peer's ICE credentials, fingerprint, tracks).
    virtual std::string onOfferWanted() = 0;
    // Publisher: the server's answer to that offer.
    virtual void onAnswer(const std::string& sdp) = 0;
    // Publisher: the server announced our stream; `streamId` is what subscribers pass to
    // subscribe(). May come before or after the media connects.
    virtual void onPublished(const std::string& streamId) = 0;
    // Subscriber: the server's offer for the subscription to `streamId`; returns the answer.
    virtual std::string onOffer(const std::string& streamId, const std::string& sdp) = 0;
    // A trickled remote candidate ("candidate:…" attribute value) for the publisher's peer
    // (`streamId` empty) or the subscription to `streamId`. parleyd puts its candidates in the
    // SDP; Janus may trickle them.
    virtual void onRemoteCandidate(const std::string& streamId, const std::string& candidate) {
      (void)streamId;
      (void)candidate;
    }
    // Anything that ends this client (refused join, lost socket, error answer): once.
    virtual void onFailed(const std::string& why) = 0;
  };

  virtual ~SignalingClient() = default;
  virtual void join() = 0;
  virtual void publish() = 0;
  virtual void subscribe(const std::string& streamId) = 0;
  // Leaves politely; no Listener call afterwards.
  virtual void close() = 0;
};

}  // namespace parley::load
