#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "media/MediaCounters.h"
#include "media/MediaPipe.h"
#include "media/MediaSink.h"
#include "media/NodePipeFeedbackReceiver.h"
#include "media/NodePipeReceiver.h"
#include "media/NodePipeSink.h"
#include "media/PipeSink.h"
#include "media/Publication.h"
#include "media/RecordingTap.h"
#include "media/Subscription.h"

namespace parley::media {

class Worker;

// The media side of one routed session on its worker: its publications and subscriptions,
// and the fan-out from each publication to the sinks that take its packets (subscriptions'
// WebRTC sinks, recording taps). Owning the fan-out here keeps Publication ignorant of
// who consumes it, so a new kind of consumer needs no change on the packet's way in.
class Router {
 public:
  Router(Worker& worker, std::string sessionId);
  ~Router();

  const std::string& sessionId() const { return sessionId_; }
  Worker& worker() { return worker_; }
  MediaCounters& counters();
  int64_t nowUs() const;
  // Test-only loss (--rtc-test-loss); a plain flag test on the packet path when off.
  bool dropForTest() { return testLoss_ && dropForTestSlow(); }
  // What forwarded video packets are padded to a multiple of (0: not padded): with UDP GSO,
  // a frame's nearly equal packets then leave for a subscriber as one message
  // (rtp::RtpPadding).
  static constexpr size_t kVideoAlignment = 16;
  size_t videoAlignment() const { return videoAlignment_; }

  Publication& addPublication(std::unique_ptr<Publication> p);
  Subscription& addSubscription(std::unique_ptr<Subscription> s);
  Publication* publication(const std::string& streamId);
  Subscription* subscription(const std::string& subscriberId);
  void removePublication(const std::string& streamId);
  void removeSubscription(const std::string& subscriberId);
  bool empty() const { return publications_.empty() && subscriptions_.empty(); }
  const std::map<std::string, std::unique_ptr<Publication>>& publications() const {
    return publications_;
  }
  const std::map<std::string, std::unique_ptr<Subscription>>& subscriptions() const {
    return subscriptions_;
  }

  // The fan-out. A sink attached to a publication gets each of its packets (route) until it
  // is detached or the publication is removed (then onSourceGone); a sink is detached or
  // told before it is destroyed. Attaching allocates; routing does not.
  void attach(Publication& p, MediaSink& sink);
  void detach(Publication& p, MediaSink& sink);
  size_t sinkCount(const Publication& p) const;
  void route(const Publication& p, const MediaSink::Packet& packet) {
    auto it = sinks_.find(&p);
    if (it == sinks_.end()) return;
    // With a thousand subscribers, the packets written for one incoming packet are larger
    // than the core's cache, so every sink's state has left it by the next one, and each
    // sink's chain of objects (sink, consumer, transport, SRTP session) costs one miss after
    // another. Fetching a few sinks ahead lets those misses overlap the work on this one.
    // The sink i + d gets stage kPrefetchStages - d; the sink object itself (which may
    // straddle two lines) is fetched one step before its stage 0.
    constexpr size_t kStages = MediaSink::kPrefetchStages;
    const std::vector<MediaSink*>& list = it->second;
    const size_t n = list.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kStages + 1 < n) {
        const auto* object = reinterpret_cast<const char*>(list[i + kStages + 1]);
        __builtin_prefetch(object);
        __builtin_prefetch(object + 63);
      }
      for (size_t d = kStages; d >= 1; --d)
        if (i + d < n) list[i + d]->prefetch(static_cast<int>(kStages - d));
      list[i]->onPacket(packet);
    }
  }

  // Recording taps, owned here: attached to their publication until removed or until the
  // publication goes (the tap then closes its ring and is dropped). A simulcast video
  // track records the best live layer (RecordingTap follows it), and the publisher is
  // asked for a keyframe at once so the file starts promptly.
  // `outputs[i]`: the file track of the publication's track i (kSkip: not recorded).
  bool addTap(const std::string& streamId, uint64_t tapId, std::unique_ptr<RecordingTap> tap,
              const std::vector<uint8_t>& outputs);
  void removeTap(uint64_t tapId);

  // Pipes to mirrors of a publication on other workers (MediaPipe), owned here like taps:
  // attached until removed or until the publication goes (the pipe is then closed).
  bool addPipe(const std::string& streamId, uint64_t pipeId, std::shared_ptr<MediaPipe> pipe);
  void removePipe(uint64_t pipeId);
  // The same across nodes (docs/cluster.md, "Sessions that span nodes"). At the origin (a
  // publication, or a mirror fed from another node): a pipe sink to the mirroring node and
  // the end its keyframe requests come back to. At the
  // mirror: a publication fed by `receiver`. Each end is registered with the worker under
  // its pipe id until removed (by the sink's or receiver's pipe id) or until its publication
  // goes. False, and nothing added, when the stream is missing or the pipe id is taken.
  bool addNodePipe(const std::string& streamId, std::unique_ptr<NodePipeSink> sink,
                   std::unique_ptr<NodePipeFeedbackReceiver> feedback);
  // `keepWhenStarved`: the mirror standing for a publication another node hosts (on the
  // session's owner): its starvation is reported once and it stays, so that its subscribers
  // stay attached while the publisher is placed anew and the mirror fed again.
  bool addNodeMirror(const std::string& streamId, std::vector<TrackDescription> tracks,
                     std::unique_ptr<NodePipeReceiver> receiver, std::shared_ptr<MediaPipe> pipe,
                     bool keepWhenStarved = false);
  // The mirror of `streamId` fed from now on by `receiver` (another pipe, from another node),
  // the old pipe unregistered. False, and nothing changed, when there is no such mirror or
  // the pipe id is taken. `receiver` must feed the mirror's own MediaPipe.
  bool refeedNodeMirror(const std::string& streamId, std::unique_ptr<NodePipeReceiver> receiver);
  void removeNodePipe(uint32_t pipeId);
  // Whether `p` is a mirror fed by a pipe from another node.
  bool fedFromNode(const Publication& p) const;
  // A mirror whose origin has not been heard from for the worker's
  // Settings::mirrorStarvedAfterUs (no packet, no keepalive: the origin sends one every
  // second) is starved: its origin stopped or cannot reach this node. tick() removes it and
  // reports it (WorkerEvents::mirrorStarved), so that the subscribers it fed are closed
  // rather than left on frozen video with ICE still up.
  size_t tapCount() const { return taps_.size(); }
  void requestKeyFrame(const std::string& streamId);

  void routeSenderReport(const Publication& p, const MediaSink::SenderReport& report) {
    auto it = sinks_.find(&p);
    if (it == sinks_.end()) return;
    for (MediaSink* s : it->second) s->onSenderReport(report);
  }

  // Upward news from the publications and subscriptions.
  void publicationConnected(Publication& p);
  void subscriptionConnected(Subscription& s);
  void subscriptionVideoSuspended(Subscription& s, bool suspended);

  // Timers; removes (and reports) what closed.
  void tick(int64_t nowUs);

 private:
  bool dropForTestSlow();

  Worker& worker_;
  std::string sessionId_;
  bool testLoss_ = false;
  size_t videoAlignment_ = 0;
  std::map<std::string, std::unique_ptr<Publication>> publications_;
  std::map<std::string, std::unique_ptr<Subscription>> subscriptions_;
  // The subscriptions in the order tick() visits them. A large router visits a slice of
  // them per tick (each every kTickSlices ticks): a tick that walked 2,500 subscriptions'
  // cold state (transport, DTLS, consumers) took 0.1-1 ms every 10 ms on the packet thread,
  // and nothing in a subscription's tick needs 10 ms (its timers are 100 ms and up; a
  // consumer waiting for a keyframe asks from the packet path).
  static constexpr size_t kTickAllUpTo = 64;
  static constexpr size_t kTickSlices = 10;
  std::vector<Subscription*> tickOrder_;
  size_t tickCursor_ = 0;
  struct Tap {
    const Publication* publication = nullptr;
    std::unique_ptr<RecordingTap> tap;
  };
  std::map<uint64_t, Tap> taps_;
  struct Pipe {
    const Publication* publication = nullptr;
    std::unique_ptr<PipeSink> sink;
  };
  std::map<uint64_t, Pipe> pipes_;
  struct NodePipe {
    const Publication* publication = nullptr;
    std::unique_ptr<NodePipeSink> sink;          // origin only
    std::unique_ptr<NodePipeEndpoint> endpoint;  // registered with the worker
    NodePipeReceiver* receiver = nullptr;        // mirror only: `endpoint`
    int64_t sinceUs = 0;                         // mirror only: when it was added
    bool keep = false;                           // mirror only: kept when starved
    bool starvedReported = false;
  };
  std::map<uint32_t, NodePipe> nodePipes_;  // by the sink's or receiver's pipe id
  void dropNodePipe(std::map<uint32_t, NodePipe>::iterator it);
  // Sends packets the mirror at the other end of pipe `pipeId` asked for again, from the
  // publication's retransmission buffer, through that pipe only.
  void retransmitOverPipe(uint32_t pipeId, uint8_t track, uint8_t layer,
                          std::span<const uint16_t> lost);
  // Only publications with at least one sink have an entry.
  std::unordered_map<const Publication*, std::vector<MediaSink*>> sinks_;
};

}  // namespace parley::media
