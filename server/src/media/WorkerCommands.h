#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media/TransportDescription.h"
#include "media/dtls/DtlsCertificate.h"

namespace parley::media {

class Subscription;
class Worker;

// The worker-side steps of a subscription, shared by those the SFU places for its own
// sessions and those it hosts for another node's (CascadeHost). Worker thread only.
class WorkerCommands {
 public:
  struct NewSubscription {
    std::string routerKey;  // the session, or the hosted session's key
    std::string streamId;
    std::string subscriberId;
    std::vector<uint32_t> ssrcs;
    std::vector<std::string> trackIds;
    std::string ufrag;
    std::string password;
    bool audio = true;
    bool video = true;
  };
  // Subscribes to the router's publication of the stream; when that is gone (it went while
  // the command was on its way) the subscription is reported closed instead.
  static void addSubscription(Worker& worker, const NewSubscription& order,
                              std::shared_ptr<const dtls::DtlsCertificate> certificate);

  // The peer's side of the subscription's transport, from its answer or (`fromOffer`) its
  // offer; `restart`: its ICE credentials changed, and ours are now `ufrag`/`password`.
  // `payloadTypes`: what the peer accepted per mid (from an offer, a mid it left out gets
  // none).
  static void setRemote(Worker& worker, Subscription& subscription,
                        const TransportDescription& remote, bool restart, bool fromOffer,
                        const std::string& ufrag, const std::string& password,
                        const std::map<std::string, std::vector<uint8_t>>& payloadTypes);
};

}  // namespace parley::media
