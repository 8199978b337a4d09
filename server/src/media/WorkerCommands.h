#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "media/NodePipeCodec.h"
#include "media/TrackDescription.h"
#include "media/TransportDescription.h"
#include "media/dtls/DtlsCertificate.h"
#include "media/net/SocketAddress.h"

namespace parley::media {

class MediaPipe;
class NodePipeReceiver;
class Publication;
class Subscription;
class Worker;

// The worker-side steps of publications, subscriptions and node pipes, shared by what the
// SFU places for its own sessions and what it hosts for another node's (CascadeHost).
// Worker thread only.
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

  // A publisher's transport and its publication in the router `routerKey` (replacing one of
  // the same stream), with the peer's side from its offer.
  static Publication& addPublication(Worker& worker, const std::string& routerKey,
                                     const std::string& streamId, const std::string& ufrag,
                                     const std::string& password,
                                     const TransportDescription& remote,
                                     std::vector<TrackDescription> tracks,
                                     std::shared_ptr<const dtls::DtlsCertificate> certificate);
  // The publisher restarted ICE: our credentials are now `ufrag`/`password`.
  static void restartPublication(Worker& worker, Publication& publication, const std::string& ufrag,
                                 const std::string& password, const TransportDescription& remote);

  // One pipe between nodes (docs/cluster.md, "Sessions that span nodes"): ids and keys of
  // its media direction (origin → mirror) and its feedback direction (mirror → origin).
  struct NodePipeKeys {
    uint32_t media = 0;
    NodePipeCodec::Key mediaKey{};
    uint32_t feedback = 0;
    NodePipeCodec::Key feedbackKey{};
  };
  // At the origin: the publication of `streamId` (a mirror too) sends its packets to the
  // mirroring worker at `peer`, and takes keyframe and retransmission requests back from it.
  // False when the stream, the router or OpenSSL was missing, or the pipe id is taken.
  static bool addNodePipe(Worker& worker, const std::string& routerKey, const std::string& streamId,
                          const NodePipeKeys& keys, const net::SocketAddress& peer);
  // At the mirror: a publication of `streamId` fed by datagrams from the origin worker at
  // `origin` only (Router::addNodeMirror: `keepWhenStarved` for the owner's mirror of a
  // publication another node hosts). False when OpenSSL failed or the pipe id is taken.
  static bool addNodeMirror(Worker& worker, const std::string& routerKey,
                            const std::string& streamId, std::vector<TrackDescription> tracks,
                            const NodePipeKeys& keys, const net::SocketAddress& origin,
                            bool keepWhenStarved = false);
  // That mirror fed from now on by another pipe, from `origin` (its publisher placed anew).
  // False when there is no such mirror, OpenSSL failed or the pipe id is taken.
  static bool refeedNodeMirror(Worker& worker, const std::string& routerKey,
                               const std::string& streamId, const NodePipeKeys& keys,
                               const net::SocketAddress& origin);

 private:
  // The receiving end of a pipe into `pipe`, answering the origin on the pipe's feedback
  // direction; null when OpenSSL failed.
  static std::unique_ptr<NodePipeReceiver> nodePipeReceiver(Worker& worker,
                                                            std::shared_ptr<MediaPipe> pipe,
                                                            const NodePipeKeys& keys,
                                                            const net::SocketAddress& origin);
};

}  // namespace parley::media
