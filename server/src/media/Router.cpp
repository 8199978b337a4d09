#include "media/Router.h"

#include <algorithm>
#include <vector>

#include "media/Worker.h"

namespace parley::media {

Router::Router(Worker& worker, std::string sessionId)
    : worker_(worker),
      sessionId_(std::move(sessionId)),
      testLoss_(worker.testLossPercent() > 0),
      videoAlignment_(worker.socket().segmentation() ? kVideoAlignment : 0) {}

Router::~Router() {
  for (auto& [id, pipe] : nodePipes_) worker_.unregisterNodePipe(pipe.endpoint->pipeId());
  for (auto& [id, s] : subscriptions_) worker_.unregisterTransport(&s->transport());
  for (auto& [id, p] : publications_)
    if (p->hasTransport()) worker_.unregisterTransport(&p->transport());
}

MediaCounters& Router::counters() {
  return worker_.counters();
}
int64_t Router::nowUs() const {
  return worker_.nowUs();
}
bool Router::dropForTestSlow() {
  return worker_.dropForTest();
}

Publication& Router::addPublication(std::unique_ptr<Publication> p) {
  removePublication(p->streamId());
  Publication& ref = *p;
  if (ref.hasTransport()) worker_.registerTransport(&ref.transport());
  publications_[ref.streamId()] = std::move(p);
  return ref;
}

Subscription& Router::addSubscription(std::unique_ptr<Subscription> s) {
  removeSubscription(s->subscriberId());
  Subscription& ref = *s;
  worker_.registerTransport(&ref.transport());
  if (Publication* p = ref.publication()) attach(*p, ref.sink());
  subscriptions_[ref.subscriberId()] = std::move(s);
  tickOrder_.push_back(&ref);
  return ref;
}

Publication* Router::publication(const std::string& streamId) {
  auto it = publications_.find(streamId);
  return it == publications_.end() ? nullptr : it->second.get();
}

Subscription* Router::subscription(const std::string& subscriberId) {
  auto it = subscriptions_.find(subscriberId);
  return it == subscriptions_.end() ? nullptr : it->second.get();
}

void Router::removePublication(const std::string& streamId) {
  auto it = publications_.find(streamId);
  if (it == publications_.end()) return;
  // Taken out of the map first: a sink told its source is gone may detach itself.
  if (auto node = sinks_.extract(it->second.get()))
    for (MediaSink* s : node.mapped()) s->onSourceGone();
  if (it->second->hasTransport()) worker_.unregisterTransport(&it->second->transport());
  std::erase_if(taps_, [&](const auto& t) { return t.second.publication == it->second.get(); });
  std::erase_if(pipes_, [&](const auto& t) { return t.second.publication == it->second.get(); });
  for (auto n = nodePipes_.begin(); n != nodePipes_.end();) {
    auto next = std::next(n);
    if (n->second.publication == it->second.get()) dropNodePipe(n);
    n = next;
  }
  publications_.erase(it);
}

void Router::removeSubscription(const std::string& subscriberId) {
  auto it = subscriptions_.find(subscriberId);
  if (it == subscriptions_.end()) return;
  if (Publication* p = it->second->publication()) detach(*p, it->second->sink());
  worker_.unregisterTransport(&it->second->transport());
  std::erase(tickOrder_, it->second.get());
  subscriptions_.erase(it);
}

void Router::attach(Publication& p, MediaSink& sink) {
  auto& sinks = sinks_[&p];
  if (std::find(sinks.begin(), sinks.end(), &sink) == sinks.end()) sinks.push_back(&sink);
}

void Router::detach(Publication& p, MediaSink& sink) {
  auto it = sinks_.find(&p);
  if (it == sinks_.end()) return;
  std::erase(it->second, &sink);
  if (it->second.empty()) sinks_.erase(it);
}

size_t Router::sinkCount(const Publication& p) const {
  auto it = sinks_.find(&p);
  return it == sinks_.end() ? 0 : it->second.size();
}

bool Router::addTap(const std::string& streamId, uint64_t tapId, std::unique_ptr<RecordingTap> tap,
                    const std::vector<uint8_t>& outputs) {
  Publication* p = publication(streamId);
  if (!p || taps_.count(tapId)) return false;  // the tap goes, closing its ring
  const int64_t now = nowUs();
  const auto& producers = p->producers();
  for (size_t i = 0; i < RecordingTap::kMaxTracks; ++i) {
    const uint8_t output =
        i < producers.size() && i < outputs.size() ? outputs[i] : RecordingTap::kSkip;
    if (output == RecordingTap::kSkip) {
      tap->route(i, RecordingTap::kSkip, RecordingTap::kSkip);
      continue;
    }
    const Producer& producer = *producers[i];
    const bool simulcast = producer.isVideo() && producer.layerCount() > 1;
    tap->route(i, output, simulcast ? RecordingTap::kFollow : RecordingTap::kSkip);
    if (!producer.isVideo()) continue;
    // The file starts at a keyframe: ask for one of the layer it will most likely take.
    size_t layer = 0;
    for (size_t l = producer.layerCount(); l-- > 0;)
      if (producer.layerLive(l, now)) {
        layer = l;
        break;
      }
    p->requestKeyFrame(layer, now);
  }
  tap->setPublication(p);
  attach(*p, *tap);
  taps_[tapId] = Tap{p, std::move(tap)};
  return true;
}

void Router::removeTap(uint64_t tapId) {
  auto it = taps_.find(tapId);
  if (it == taps_.end()) return;
  for (auto& [id, pub] : publications_)
    if (pub.get() == it->second.publication) detach(*pub, *it->second.tap);
  taps_.erase(it);  // closes the ring: the recorder finishes the file
}

bool Router::addPipe(const std::string& streamId, uint64_t pipeId,
                     std::shared_ptr<MediaPipe> pipe) {
  Publication* p = publication(streamId);
  if (!p || p->mirrored() || pipes_.count(pipeId)) return false;
  auto sink = std::make_unique<PipeSink>(std::move(pipe));
  attach(*p, *sink);
  pipes_[pipeId] = Pipe{p, std::move(sink)};
  return true;
}

void Router::removePipe(uint64_t pipeId) {
  auto it = pipes_.find(pipeId);
  if (it == pipes_.end()) return;
  for (auto& [id, pub] : publications_)
    if (pub.get() == it->second.publication) detach(*pub, *it->second.sink);
  pipes_.erase(it);  // closes the ring
}

bool Router::addNodePipe(const std::string& streamId, std::unique_ptr<NodePipeSink> sink,
                         std::unique_ptr<NodePipeFeedbackReceiver> feedback) {
  Publication* p = publication(streamId);
  const uint32_t pipeId = sink->pipeId();
  // A mirror may be an origin too: the one standing for a publication another node hosts.
  if (!p || nodePipes_.count(pipeId) || !worker_.registerNodePipe(feedback.get())) return false;
  feedback->onRetransmissionRequest(
      [this, pipeId](uint8_t track, uint8_t layer, std::span<const uint16_t> lost) {
        retransmitOverPipe(pipeId, track, layer, lost);
      });
  attach(*p, *sink);
  nodePipes_[pipeId] = NodePipe{p, std::move(sink), std::move(feedback)};
  return true;
}

namespace {

// What the mirror asks of its origin goes through `end`, its pipe's receiving end (which
// outlives the publication's use of the pipe: both go in removePublication).
void askThrough(MediaPipe& pipe, NodePipeReceiver* end) {
  pipe.requestKeyframe = [end](size_t layer) { end->requestKeyframe(layer); };
  pipe.requestRetransmission = [end](size_t track, size_t layer, std::span<const uint16_t> lost) {
    end->requestRetransmission(track, layer, lost);
  };
}

}  // namespace

bool Router::addNodeMirror(const std::string& streamId, std::vector<TrackDescription> tracks,
                           std::unique_ptr<NodePipeReceiver> receiver,
                           std::shared_ptr<MediaPipe> pipe, bool keepWhenStarved) {
  const uint32_t pipeId = receiver->pipeId();
  if (nodePipes_.count(pipeId) || !worker_.registerNodePipe(receiver.get())) return false;
  NodePipeReceiver* end = receiver.get();
  askThrough(*pipe, end);
  Publication& p =
      addPublication(std::make_unique<Publication>(*this, streamId, std::move(tracks), pipe));
  nodePipes_[pipeId] =
      NodePipe{&p, nullptr, std::move(receiver), end, nowUs(), keepWhenStarved, false};
  return true;
}

bool Router::refeedNodeMirror(const std::string& streamId,
                              std::unique_ptr<NodePipeReceiver> receiver) {
  Publication* p = publication(streamId);
  if (!p || !p->mirrored()) return false;
  auto old = std::find_if(nodePipes_.begin(), nodePipes_.end(), [p](const auto& n) {
    return n.second.publication == p && !n.second.sink;
  });
  const uint32_t pipeId = receiver->pipeId();
  if (old == nodePipes_.end() || nodePipes_.count(pipeId) ||
      !worker_.registerNodePipe(receiver.get()))
    return false;
  const bool keep = old->second.keep;
  worker_.unregisterNodePipe(old->first);
  nodePipes_.erase(old);
  NodePipeReceiver* end = receiver.get();
  askThrough(*p->pipe(), end);
  nodePipes_[pipeId] = NodePipe{p, nullptr, std::move(receiver), end, nowUs(), keep, false};
  return true;
}

bool Router::fedFromNode(const Publication& p) const {
  for (const auto& [id, n] : nodePipes_)
    if (n.publication == &p && !n.sink) return true;
  return false;
}

void Router::removeNodePipe(uint32_t pipeId) {
  auto it = nodePipes_.find(pipeId);
  if (it == nodePipes_.end()) return;
  if (!it->second.sink) {
    // A mirror: the publication goes, and the receiver with it.
    for (auto& [id, pub] : publications_)
      if (pub.get() == it->second.publication) {
        removePublication(id);
        return;
      }
  }
  dropNodePipe(it);
}

void Router::retransmitOverPipe(uint32_t pipeId, uint8_t track, uint8_t layer,
                                std::span<const uint16_t> lost) {
  auto it = nodePipes_.find(pipeId);
  if (it == nodePipes_.end() || !it->second.sink) return;
  const Publication* p = it->second.publication;
  if (track >= p->producers().size()) return;
  Producer& producer = *p->producers()[track];
  if (layer >= producer.layerCount()) return;
  auto& buffer = *producer.layer(layer).buffer;
  const int64_t now = nowUs();
  for (uint16_t seq : lost) {
    // Each sequence number once per interval, whoever asks (the pipe's or a subscriber's).
    if (!buffer.markResent(seq, now / 1000)) continue;
    auto stored = buffer.find(seq, now / 1000);
    auto rtp =
        stored ? rtp::RtpPacket::parse(stored->packet.data(), stored->packet.size()) : std::nullopt;
    if (!rtp) continue;
    it->second.sink->onPacket(MediaSink::Packet{producer, track, layer, false, *rtp, now});
    counters().retransmissions.add();
  }
}

void Router::dropNodePipe(std::map<uint32_t, NodePipe>::iterator it) {
  if (it->second.sink)
    for (auto& [id, pub] : publications_)
      if (pub.get() == it->second.publication) detach(*pub, *it->second.sink);
  worker_.unregisterNodePipe(it->second.endpoint->pipeId());
  nodePipes_.erase(it);
}

void Router::requestKeyFrame(const std::string& streamId) {
  Publication* p = publication(streamId);
  if (!p) return;
  // The layer each recording writes now (or waits for): asking the others would make the
  // publisher send keyframes nobody records.
  const auto& producers = p->producers();
  for (const auto& [id, t] : taps_) {
    if (t.publication != p) continue;
    for (size_t i = 0; i < producers.size() && i < RecordingTap::kMaxTracks; ++i) {
      if (!producers[i]->isVideo()) continue;
      const uint8_t layer = t.tap->currentLayer(i);
      p->requestKeyFrame(layer == RecordingTap::kSkip ? 0 : layer, nowUs());
    }
  }
}

void Router::publicationConnected(Publication& p) {
  worker_.events().publicationConnected(sessionId_, p.streamId());
}

void Router::subscriptionConnected(Subscription& s) {
  worker_.events().subscriptionConnected(sessionId_, s.subscriberId());
}

void Router::subscriptionVideoSuspended(Subscription& s, bool suspended) {
  worker_.events().subscriptionVideoSuspended(sessionId_, s.subscriberId(), suspended);
}

void Router::tick(int64_t nowUs) {
  std::vector<std::pair<std::string, std::string>> closedPublications;
  std::vector<std::pair<std::string, std::string>> closedSubscriptions;
  std::vector<std::pair<std::string, uint32_t>> starvedMirrors;
  for (auto& [id, p] : publications_) {
    p->tick(nowUs);
    if (p->closed()) closedPublications.emplace_back(id, p->closeReason());
  }
  std::vector<std::pair<std::string, uint32_t>> keptStarved;
  for (auto& [pipeId, n] : nodePipes_) {
    if (n.sink) {
      n.sink->tick(nowUs);
    } else if (n.receiver && nowUs - std::max(n.receiver->lastHeardUs(), n.sinceUs) >
                                 worker_.mirrorStarvedAfterUs()) {
      if (!n.keep) {
        starvedMirrors.emplace_back(n.publication->streamId(), pipeId);
      } else if (!n.starvedReported) {
        n.starvedReported = true;
        keptStarved.emplace_back(n.publication->streamId(), pipeId);
      }
    }
  }
  for (auto& [streamId, pipeId] : starvedMirrors) {
    removeNodePipe(pipeId);
    worker_.events().mirrorStarved(sessionId_, streamId, pipeId);
  }
  for (auto& [streamId, pipeId] : keptStarved)
    worker_.events().mirrorStarved(sessionId_, streamId, pipeId);
  const size_t subscriptions = tickOrder_.size();
  const size_t visits = subscriptions <= kTickAllUpTo
                            ? subscriptions
                            : (subscriptions + kTickSlices - 1) / kTickSlices;
  for (size_t i = 0; i < visits; ++i) {
    if (tickCursor_ >= subscriptions) tickCursor_ = 0;
    Subscription* s = tickOrder_[tickCursor_++];
    s->tick(nowUs);
    if (s->closed()) closedSubscriptions.emplace_back(s->subscriberId(), s->closeReason());
  }
  // Reported after the loops: the control thread removes the session objects, which
  // then tells this router to remove them too (idempotent).
  for (auto& [id, reason] : closedSubscriptions) {
    removeSubscription(id);
    worker_.events().subscriptionClosed(sessionId_, id, reason);
  }
  for (auto& [id, reason] : closedPublications) {
    removePublication(id);
    worker_.events().publicationClosed(sessionId_, id, reason);
  }
}

}  // namespace parley::media
