#include "media/WorkerCommands.h"

#include "media/Consumer.h"
#include "media/MediaPipe.h"
#include "media/NodePipeFeedbackReceiver.h"
#include "media/NodePipeReceiver.h"
#include "media/NodePipeSink.h"
#include "media/Publication.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/WebRtcTransport.h"
#include "media/Worker.h"

namespace parley::media {

void WorkerCommands::addSubscription(Worker& w, const NewSubscription& order,
                                     std::shared_ptr<const dtls::DtlsCertificate> certificate) {
  Router& r = w.router(order.routerKey);
  Publication* p = r.publication(order.streamId);
  if (!p) {
    w.events().subscriptionClosed(order.routerKey, order.subscriberId, "stream gone");
    return;
  }
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (size_t i = 0; i < p->producers().size() && i < order.ssrcs.size(); ++i)
    consumers.push_back(
        std::make_unique<Consumer>(*p->producers()[i], order.ssrcs[i], order.trackIds[i]));
  auto transport = std::make_unique<WebRtcTransport>("sub:" + order.subscriberId, order.ufrag,
                                                     order.password, std::move(certificate), w);
  Subscription& s = r.addSubscription(std::make_unique<Subscription>(
      r, order.subscriberId, *p, std::move(transport), std::move(consumers)));
  s.setEnabled(sdp::MediaKind::Audio, order.audio);
  s.setEnabled(sdp::MediaKind::Video, order.video);
}

void WorkerCommands::setRemote(Worker& w, Subscription& s, const TransportDescription& remote,
                               bool restart, bool fromOffer, const std::string& ufrag,
                               const std::string& password,
                               const std::map<std::string, std::vector<uint8_t>>& payloadTypes) {
  if (restart) {
    s.transport().restartIce(ufrag, password, remote);
    if (fromOffer) w.registerTransport(&s.transport());  // under the new ufrag
  }
  s.transport().setRemote(remote);
  for (auto& c : s.consumers()) {
    auto types = payloadTypes.find(c->producer().track().mid);
    if (types != payloadTypes.end())
      c->setAcceptedPayloadTypes(types->second);
    else if (fromOffer)
      c->setAcceptedPayloadTypes({});  // what the answer kept is what it can decode
  }
}

Publication& WorkerCommands::addPublication(
    Worker& w, const std::string& routerKey, const std::string& streamId, const std::string& ufrag,
    const std::string& password, const TransportDescription& remote,
    std::vector<TrackDescription> tracks,
    std::shared_ptr<const dtls::DtlsCertificate> certificate) {
  Router& r = w.router(routerKey);
  auto transport = std::make_unique<WebRtcTransport>("pub:" + streamId, ufrag, password,
                                                     std::move(certificate), w);
  Publication& p = r.addPublication(
      std::make_unique<Publication>(r, streamId, std::move(tracks), std::move(transport)));
  p.transport().setRemote(remote);
  return p;
}

void WorkerCommands::restartPublication(Worker& w, Publication& p, const std::string& ufrag,
                                        const std::string& password,
                                        const TransportDescription& remote) {
  if (!p.hasTransport()) return;
  p.transport().restartIce(ufrag, password, remote);
  w.registerTransport(&p.transport());  // under the new ufrag
}

bool WorkerCommands::addNodePipe(Worker& w, const std::string& routerKey,
                                 const std::string& streamId, const NodePipeKeys& keys,
                                 const net::SocketAddress& peer) {
  Router* r = w.findRouter(routerKey);
  auto send = NodePipeCodec::create(NodePipeCodec::Direction::Send, keys.media, keys.mediaKey);
  auto feedback =
      NodePipeCodec::create(NodePipeCodec::Direction::Receive, keys.feedback, keys.feedbackKey);
  if (!r || !send || !feedback) return false;
  auto sink = std::make_unique<NodePipeSink>(std::move(send), w, peer, &w.counters().nodePipeSent);
  Worker* worker = &w;
  auto keyframes = std::make_unique<NodePipeFeedbackReceiver>(
      std::move(feedback), peer, [worker, routerKey, streamId](size_t layer) {
        if (Router* router = worker->findRouter(routerKey))
          if (Publication* p = router->publication(streamId))
            p->requestKeyFrame(layer, worker->nowUs());
      });
  return r->addNodePipe(streamId, std::move(sink), std::move(keyframes));
}

bool WorkerCommands::addNodeMirror(Worker& w, const std::string& routerKey,
                                   const std::string& streamId,
                                   std::vector<TrackDescription> tracks, const NodePipeKeys& keys,
                                   const net::SocketAddress& origin, bool keepWhenStarved) {
  std::shared_ptr<MediaPipe> pipe;
  try {
    pipe = std::make_shared<MediaPipe>();
  } catch (const std::exception&) {
    return false;  // no eventfd: the mirror is not made
  }
  auto receiver = nodePipeReceiver(w, pipe, keys, origin);
  return receiver && w.router(routerKey).addNodeMirror(streamId, std::move(tracks),
                                                       std::move(receiver), pipe, keepWhenStarved);
}

bool WorkerCommands::refeedNodeMirror(Worker& w, const std::string& routerKey,
                                      const std::string& streamId, const NodePipeKeys& keys,
                                      const net::SocketAddress& origin) {
  Router* r = w.findRouter(routerKey);
  Publication* p = r ? r->publication(streamId) : nullptr;
  if (!p || !p->mirrored()) return false;
  auto receiver = nodePipeReceiver(w, p->pipe(), keys, origin);
  return receiver && r->refeedNodeMirror(streamId, std::move(receiver));
}

std::unique_ptr<NodePipeReceiver> WorkerCommands::nodePipeReceiver(
    Worker& w, std::shared_ptr<MediaPipe> pipe, const NodePipeKeys& keys,
    const net::SocketAddress& origin) {
  auto receive =
      NodePipeCodec::create(NodePipeCodec::Direction::Receive, keys.media, keys.mediaKey);
  auto feedback =
      NodePipeCodec::create(NodePipeCodec::Direction::Send, keys.feedback, keys.feedbackKey);
  if (!receive || !feedback) return nullptr;  // OpenSSL failed
  auto receiver = std::make_unique<NodePipeReceiver>(std::move(receive), std::move(pipe), origin,
                                                     &w.counters().nodePipeReceived);
  receiver->enableFeedback(std::move(feedback), w);
  return receiver;
}

}  // namespace parley::media
