#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "media/CascadeHost.h"
#include "media/MediaService.h"
#include "media/NodeLink.h"
#include "media/SdpNegotiator.h"
#include "media/TrackDescription.h"
#include "media/Worker.h"
#include "media/WorkerEvents.h"
#include "media/dtls/DtlsCertificate.h"

namespace parley::media {

// The SFU as the control thread sees it: negotiates SDP, places each routed session on
// the least-loaded worker, and sends the workers small commands (create a publication or
// subscription, set the remote side, pause, remove). Worker news comes back posted.
class Sfu final : public MediaService, public WorkerEvents {
 public:
  struct Settings {
    std::string bindIp = "127.0.0.1";
    std::string announcedIp = "127.0.0.1";
    uint16_t basePort = 5090;  // worker i listens on basePort + i (0: ephemeral)
    unsigned workers = 1;
    unsigned testLossPercent = 0;
    bool udpSegmentation = true;    // UDP GSO (net::UdpSocket)
    unsigned schedulerSliceUs = 0;  // Worker::Settings::schedulerSliceUs
    // A session's new subscriptions go to the least loaded worker once its own worker has
    // this many more media transports (0: always the least loaded); the publication is then
    // mirrored there through a MediaPipe, crossing once per worker.
    size_t sessionSpread = 64;
    bool announceUdp =
        true;  // which candidates the SFU offers (ICE-TCP only behind UDP-blocking networks)
    bool announceTcp = true;
    // Cascading (docs/cluster.md): once this node's workers hold this many media transports,
    // new publisher and subscriber transports go to another node's workers when the NodeLink
    // finds one (0: never).
    size_t cascadeAbove = 0;
  };
  // The STUN server port announced in session info (next to the workers' ports).
  uint16_t stunPort() const { return workers_.front()->stunPort(); }

  Sfu(boost::asio::io_context& control, Settings settings);
  ~Sfu() override;

  void start();
  void stop();
  const std::vector<std::unique_ptr<Worker>>& workers() const { return workers_; }
  const std::string& fingerprint() const { return certificate_->fingerprintSha256(); }
  const Settings& settings() const { return settings_; }

  // ---- cascading across nodes (docs/cluster.md, "Sessions that span nodes") ----
  // The cluster's side; null (the default) keeps every transport on this node.
  void setNodeLink(NodeLink* link) {
    link_ = link;
    host_.setLink(link);
  }
  // A message another node sent: a command for what it placed here, or news of what this
  // node placed there. Malformed or foreign ones are dropped (logged).
  void onNodeMessage(const std::string& from, const core::Json& message);
  // The nodes alive now: what this node hosts for the others is dropped, and its
  // subscriptions on the others fail.
  void keepNodes(const std::set<std::string>& live);
  const CascadeHost& host() const { return host_; }

  // MediaService
  void setEvents(Events* events) override { events_ = events; }
  Negotiation publisherOffer(const std::string& sessionId, const std::string& streamId,
                             const std::string& offerSdp) override;
  Negotiation subscribe(const std::string& sessionId, const std::string& streamId,
                        const std::string& subscriberId, bool audio, bool video) override;
  Negotiation subscriberAnswer(const std::string& sessionId, const std::string& subscriberId,
                               const std::string& answerSdp) override;
  Negotiation subscriberOffer(const std::string& sessionId, const std::string& subscriberId,
                              const std::string& offerSdp) override;
  void unpublish(const std::string& sessionId, const std::string& streamId) override;
  void unsubscribe(const std::string& sessionId, const std::string& subscriberId) override;
  void setPublisherTrack(const std::string& sessionId, const std::string& streamId, TrackKind kind,
                         bool active) override;
  void setSubscriberTrack(const std::string& sessionId, const std::string& subscriberId,
                          TrackKind kind, bool active) override;
  void setSubscriberVideoFallback(const std::string& sessionId, const std::string& subscriberId,
                                  bool allowed) override;
  void setSubscriberFrameRate(const std::string& sessionId, const std::string& subscriberId,
                              double preferredFps, bool restricted) override;
  void setSubscriberPreferredSize(const std::string& sessionId, const std::string& subscriberId,
                                  uint32_t width, uint32_t height, uint32_t fullWidth) override;
  std::vector<PublishedTrack> publishedTracks(const std::string& sessionId,
                                              const std::string& streamId) override;
  void startRecording(const std::string& sessionId, const std::string& streamId, uint64_t tapId,
                      std::shared_ptr<record::PacketRing> ring,
                      std::vector<uint8_t> outputs) override;
  void stopRecording(const std::string& sessionId, uint64_t tapId) override;
  void requestKeyframe(const std::string& sessionId, const std::string& streamId) override;
  // Answers at once from the latest snapshot the session's worker sent (never waits for it),
  // and asks the worker for a new one. Beside the snapshot's fields: "snapshot" (the number
  // of the request it answers, 0: none yet), "ageMs" (null: none yet) and "nextSnapshot":
  // the first snapshot number that reflects everything asked of the SFU before this call.
  core::Json sessionStats(const std::string& sessionId) override;

 private:
  // The statistics of one placed session as the control thread last heard them. At most one
  // request per session is on its way to the worker, and at most one more is owed.
  struct StatsCache {
    core::Json snapshot;          // null until the first one arrives
    int64_t takenUs = 0;          // Worker::steadyNowUs() when the worker built it
    uint64_t snapshotNumber = 0;  // the request it answers
    uint64_t inFlight = 0;        // the request on its way (0: none)
    uint64_t owed = 0;            // the request to post when that one is answered (0: none)
  };
  struct PublicationInfo {
    // Ours: the worker of its transport, or (when another node hosts that) of the mirror its
    // stream is piped to, which stands for it here.
    unsigned worker = 0;
    std::vector<TrackDescription> tracks;
    std::string localUfrag, localPassword, remoteUfrag;
    std::string node;               // the node hosting its transport ("": this one)
    NodeLink::RemoteWorker remote;  // that node's worker
    uint32_t pipeId = 0;            // the pipe from there to the mirror here
    bool hostDone = false;          // that node has dropped it already (nothing to tell)
    // That node left or its stream stopped coming: the publisher's ICE restart places it
    // anew, within kPublisherRestartGraceMs.
    bool orphaned = false;
    uint64_t orphanEpoch = 0;  // which orphaning a grace timer belongs to
  };
  // How long a publisher whose media node was lost has to restart ICE (and so be placed
  // anew) before its stream ends. OpenTok.js and parley.js restart within seconds of their
  // media path failing.
  static constexpr int64_t kPublisherRestartGraceMs = 20000;
  struct SubscriptionInfo {
    unsigned worker = 0;
    bool mirrored = false;  // on another worker than the publication, fed by a mirror
    std::string streamId;
    std::vector<TrackDescription> tracks;  // copies of the publication's, at subscribe time
    std::vector<uint32_t> ssrcs;
    std::vector<std::string> trackIds;
    std::string localUfrag, localPassword, remoteUfrag;
    uint64_t version = 2;
    bool audio = true, video = true;  // enabled tracks (subscribeToAudio/Video)
    std::string node;       // the node whose worker hosts it ("": this one; `worker` is then ours)
    bool orphaned = false;  // that node left; the next ICE restart places it anew
    NodeLink::RemoteWorker remote;  // that worker
  };
  struct Placement {
    unsigned worker = 0;
    size_t objects = 0;
  };

  static std::string key(const std::string& sessionId, const std::string& id) {
    return sessionId + "/" + id;
  }
  unsigned place(const std::string& sessionId);
  // The worker for a new subscription of a session placed on `home`.
  unsigned subscriptionWorker(unsigned home) const;
  // One more subscription of the stream on `worker`: a mirror of the publication is made
  // there with the first. False when no pipe could be made.
  bool ensureMirror(const std::string& sessionId, const std::string& streamId,
                    const PublicationInfo& publication, unsigned worker);
  void releaseMirror(const std::string& sessionId, const std::string& streamId, unsigned worker);
  // The same towards another node: the first subscription there makes the mirror (a pipe
  // from the publication's worker, keys sent over the NodeLink). `remote` is updated to the
  // worker that already mirrors the stream there. False when the node cannot be sent to.
  bool ensureRemoteMirror(const std::string& sessionId, const std::string& streamId,
                          const PublicationInfo& publication, NodeLink::RemoteWorker& remote);
  void releaseRemoteMirror(const std::string& sessionId, const std::string& streamId,
                           const std::string& nodeId);
  // Places a subscription (its stream, SSRCs, track ids, credentials and tracks set) on a
  // worker here or, when cascading, on another node, and makes it there.
  void placeSubscription(const std::string& sessionId, const std::string& subscriberId,
                         SubscriptionInfo& info, const PublicationInfo& publication);
  // Where a new subscription of the stream goes when this node cascades; nullopt: here.
  std::optional<NodeLink::RemoteWorker> cascadeTarget(const std::string& sessionId,
                                                      const std::string& streamId);
  // Whether this node's workers hold enough transports to cascade (and it can).
  bool cascading() const;
  // Has the publisher's transport made on `remote` (a `publish` command) with its stream
  // piped to a mirror on our `info.worker`; fills info.node/remote/pipeId. False (nothing
  // sent, nothing made) when the node cannot be sent to or would refuse the tracks.
  // `refeed`: the publisher is placed anew, and the mirror it had here is fed by the new pipe.
  bool placeRemotePublication(const std::string& sessionId, const std::string& streamId,
                              PublicationInfo& info, const NodeLink::RemoteWorker& remote,
                              const TransportDescription& peer, bool refeed = false);
  // The node hosting a publication left, or its stream stopped coming: the mirror here and
  // its subscribers stay, waiting for the publisher's ICE restart to place it anew; the
  // stream ends if none comes within kPublisherRestartGraceMs.
  void orphanPublication(const std::string& sessionId, const std::string& streamId,
                         const std::string& why);
  // A publication whose transport another node hosted ended there (news, or that node
  // left): it ends here too, and the session hears why.
  void remotePublicationEnded(const std::string& sessionId, const std::string& streamId,
                              const std::string& reason);
  // Runs `fn(Subscription&)` where the subscription lives: on our worker, or as `command`
  // (with the session and subscriber added) sent to the node hosting it.
  template <class Fn>
  void onAnySubscription(const SubscriptionInfo& info, const std::string& sessionId,
                         const std::string& subscriberId, core::Json command, Fn fn);
  // Hands the peer's side of a subscription's transport to where the subscription lives
  // (WorkerCommands::setRemote).
  void remoteDescription(const SubscriptionInfo& info, const std::string& sessionId,
                         const std::string& subscriberId, const TransportDescription& remote,
                         bool restart, bool fromOffer,
                         std::map<std::string, std::vector<uint8_t>> payloadTypes);
  // Sends `message` to node `nodeId`, if this node is still linked to the others.
  void tellNode(const std::string& nodeId, const core::Json& message);
  // Forgets a subscription hosted by another node that ended there, and says so upward.
  void hostedSubscriptionEnded(const std::string& sessionId, const std::string& subscriberId,
                               const std::string& reason);
  void release(const std::string& sessionId);
  SdpNegotiator::LocalEndpoint endpoint(unsigned worker, std::string ufrag,
                                        std::string password) const;
  SdpNegotiator::LocalEndpoint endpoint(const NodeLink::RemoteWorker& remote, std::string ufrag,
                                        std::string password) const;
  // The endpoint of a subscription: ours, or the other node's worker hosting it.
  SdpNegotiator::LocalEndpoint endpoint(const SubscriptionInfo& info) const;
  std::vector<SdpNegotiator::OutgoingTrack> outgoing(const SubscriptionInfo& info) const;
  // Runs `fn(Publication&)` / `fn(Subscription&)` on the object's worker, if it still exists.
  template <class Fn>
  void onPublication(unsigned worker, const std::string& sessionId, const std::string& streamId,
                     Fn fn);
  template <class Fn>
  void onSubscription(unsigned worker, const std::string& sessionId,
                      const std::string& subscriberId, Fn fn);
  // Posts request `number` for a snapshot of `sessionId` to `worker`; the answer comes back
  // to statsArrived on the control thread.
  void requestStats(unsigned worker, const std::string& sessionId, uint64_t number);
  // Runs on chain[index]'s thread, adds its part, passes on; the last posts to the control
  // thread. Worker to worker: no worker waits for another.
  void collectStats(std::vector<Worker*> chain, size_t index, const std::string& sessionId,
                    uint64_t number, core::Json partial);
  void statsArrived(const std::string& sessionId, uint64_t number, int64_t takenUs,
                    core::Json snapshot);

  // WorkerEvents (worker threads)
  void publicationConnected(const std::string& sessionId, const std::string& streamId) override;
  void publicationClosed(const std::string& sessionId, const std::string& streamId,
                         const std::string& reason) override;
  void subscriptionConnected(const std::string& sessionId,
                             const std::string& subscriberId) override;
  void subscriptionClosed(const std::string& sessionId, const std::string& subscriberId,
                          const std::string& reason) override;
  void subscriptionVideoSuspended(const std::string& sessionId, const std::string& subscriberId,
                                  bool suspended) override;
  void mirrorStarved(const std::string& routerKey, const std::string& streamId,
                     uint32_t pipeId) override;

  boost::asio::io_context& control_;
  Settings settings_;
  std::shared_ptr<const dtls::DtlsCertificate> certificate_;
  std::vector<std::unique_ptr<Worker>> workers_;
  Events* events_ = nullptr;
  std::map<std::string, Placement> placements_;
  std::map<std::string, PublicationInfo> publications_;
  std::map<std::string, SubscriptionInfo> subscriptions_;
  std::map<std::string, StatsCache> stats_;
  struct MirrorInfo {
    uint64_t pipeId = 0;
    size_t subscribers = 0;
  };
  // key(session, stream) → the workers its publication is mirrored to.
  std::map<std::string, std::map<unsigned, MirrorInfo>> mirrors_;
  uint64_t lastPipeId_ = 0;
  struct RemoteMirror {
    unsigned worker = 0;  // the other node's
    uint32_t pipeId = 0;  // media, this node → that one
    size_t subscribers = 0;
  };
  // key(session, stream) → the nodes its publication is mirrored to.
  std::map<std::string, std::map<std::string, RemoteMirror>> remoteMirrors_;
  NodeLink* link_ = nullptr;
  CascadeHost host_;
  // Publications and subscriptions given to each worker (placement reads it: the workers'
  // own counts lag behind commands still on their way).
  std::vector<size_t> assigned_;   // placed sessions whose stats were asked for
  uint64_t lastStatsRequest_ = 0;  // numbers requests across sessions
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace parley::media
