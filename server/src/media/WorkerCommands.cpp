#include "media/WorkerCommands.h"

#include "media/Consumer.h"
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

}  // namespace parley::media
