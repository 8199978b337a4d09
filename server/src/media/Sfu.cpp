#include "media/Sfu.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstring>
#include <limits>

#include "core/Crypto.h"
#include "media/ByteOrder.h"
#include "media/Consumer.h"
#include "media/DescriptionJson.h"
#include "media/NodePipeCodec.h"
#include "media/Publication.h"
#include "media/RandomSsrc.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/WebRtcTransport.h"
#include "media/WorkerCommands.h"
#include "obs/Logger.h"

namespace parley::media {

using obs::Logger;

namespace {

std::string randomToken(size_t n) {
  return core::Crypto::randomAlphanumeric(n);
}

sdp::MediaKind kindOf(TrackKind k) {
  return k == TrackKind::Audio ? sdp::MediaKind::Audio : sdp::MediaKind::Video;
}

// Fresh ids and keys for a pipe between nodes; ids are never 0.
WorkerCommands::NodePipeKeys newPipeKeys() {
  auto randomPipeId = [] {
    uint32_t id = 0;
    while (id == 0) {
      const std::string bytes = core::Crypto::randomBytes(4);
      std::memcpy(&id, bytes.data(), sizeof id);
    }
    return id;
  };
  WorkerCommands::NodePipeKeys keys;
  keys.media = randomPipeId();
  keys.mediaKey = NodePipeCodec::newKey();
  keys.feedback = randomPipeId();
  keys.feedbackKey = NodePipeCodec::newKey();
  return keys;
}

std::string hex(const NodePipeCodec::Key& k) {
  return core::Crypto::toHex(std::string_view(reinterpret_cast<const char*>(k.data()), k.size()));
}

// A pipe's fields as CascadeHost reads them.
void setPipeFields(core::Json& command, const WorkerCommands::NodePipeKeys& keys) {
  command.set("pipe", core::Json(static_cast<long long>(keys.media)));
  command.set("key", core::Json(hex(keys.mediaKey)));
  command.set("feedbackPipe", core::Json(static_cast<long long>(keys.feedback)));
  command.set("feedbackKey", core::Json(hex(keys.feedbackKey)));
}

// A stream's tracks for another node; nullopt when one would be refused there (a
// publisher's overlong cname or fmtp, say): the stream's media then stays on this node.
std::optional<core::Json> tracksForNode(const std::vector<TrackDescription>& tracks) {
  core::Json out = core::Json::array();
  for (const auto& t : tracks) {
    core::Json track = DescriptionJson::track(t);
    if (!DescriptionJson::readTrack(track)) return std::nullopt;
    out.push(std::move(track));
  }
  return out;
}

MediaService::Negotiation failure(std::string error) {
  MediaService::Negotiation n;
  n.error = std::move(error);
  return n;
}

// The statistics of one session as its worker sees them; runs on the worker thread.
core::Json buildSessionStats(Worker* w, const std::string& sessionId) {
  using core::Json;
  const int64_t now = w->nowUs();
  auto transportJson = [](WebRtcTransport& t) {
    const auto& st = t.stats();
    return Json::object({{"id", t.id()},
                         {"connected", t.connected()},
                         {"address", t.selectedAddress()},
                         {"packetsIn", static_cast<long long>(st.packetsIn)},
                         {"bytesIn", static_cast<long long>(st.bytesIn)},
                         {"packetsOut", static_cast<long long>(st.packetsOut)},
                         {"bytesOut", static_cast<long long>(st.bytesOut)},
                         {"srtpErrors", static_cast<long long>(st.srtpErrors)},
                         {"dtlsFreed", t.dtlsFreed()}});
  };
  Json pubs = Json::array();
  Json subs = Json::array();
  if (Router* r = w->findRouter(sessionId)) {
    for (auto& [id, p] : r->publications()) {
      // Another worker's copy is listed where it lives; the one standing for a publication
      // another node hosts is listed here (its transport is there).
      if (p->mirrored() && !r->fedFromNode(*p)) continue;
      Json tracks = Json::array();
      for (auto& prod : p->producers()) {
        Json layers = Json::array();
        for (size_t i = 0; i < prod->layerCount(); ++i) {
          auto& l = prod->layer(i);
          layers.push(Json::object(
              {{"ssrc", static_cast<long long>(l.ssrc)},
               {"packets", static_cast<long long>(l.stats->packets())},
               {"bytes", static_cast<long long>(l.stats->bytes())},
               {"lost", static_cast<long long>(l.stats->lost())},
               {"bitrate", static_cast<long long>(l.stats->bitrateBps(now))},
               {"nacksRequested", static_cast<long long>(l.nack->nacksRequested())},
               {"recovered", static_cast<long long>(l.nack->recovered())},
               {"retransmissionsReceived", static_cast<long long>(l.retransmissionsReceived)},
               {"keyframes", static_cast<long long>(l.keyframes)}}));
        }
        Json track = Json::object({{"kind", prod->isVideo() ? "video" : "audio"},
                                   {"codec", prod->sendingCodec()},
                                   {"paused", prod->paused()},
                                   {"layers", layers}});
        if (!prod->isVideo()) {
          track.set("audioLevel", Json(static_cast<long long>(prod->audioLevel(now))));
          track.set("voiceActivity", Json(prod->voiceActivity(now)));
        }
        tracks.push(track);
      }
      pubs.push(
          Json::object({{"streamId", id},
                        {"transport", p->hasTransport() ? transportJson(p->transport()) : Json()},
                        {"nacksSent", static_cast<long long>(p->nacksSent())},
                        {"keyframeRequests", static_cast<long long>(p->keyframeRequests())},
                        {"transportFeedback", static_cast<long long>(p->feedbackSent())},
                        {"tracks", tracks}}));
    }
    for (auto& [id, s] : r->subscriptions()) {
      Json consumers = Json::array();
      for (auto& c : s->consumers()) {
        Json item = Json::object({{"kind", c->isVideo() ? "video" : "audio"},
                                  {"ssrc", static_cast<long long>(c->ssrc())},
                                  {"enabled", c->enabled()},
                                  {"forwarded", static_cast<long long>(c->forwarded())},
                                  {"retransmitted", static_cast<long long>(c->retransmitted())},
                                  {"layerSwitches", static_cast<long long>(c->layerSwitches())},
                                  {"temporalDrops", static_cast<long long>(c->temporalDrops())},
                                  {"targetLayer", static_cast<long long>(c->targetLayer())}});
        item.set("currentLayer",
                 c->currentLayer() ? Json(static_cast<long long>(*c->currentLayer())) : Json());
        if (auto rtt = c->stats().rttMs()) item.set("rttMs", Json(static_cast<long long>(*rtt)));
        consumers.push(item);
      }
      subs.push(Json::object(
          {{"subscriberId", id},
           {"worker", static_cast<long long>(w->index())},
           {"streamId", s->publication() ? s->publication()->streamId() : ""},
           {"transport", transportJson(s->transport())},
           {"nacksReceived", static_cast<long long>(s->nacksReceived())},
           {"keyframeRequestsReceived", static_cast<long long>(s->keyframeRequestsReceived())},
           {"bandwidthEstimate", static_cast<long long>(s->bandwidthEstimate())},
           {"consumers", consumers}}));
    }
  }
  return Json::object({{"sessionId", sessionId},
                       {"worker", static_cast<long long>(w->index())},
                       {"publications", pubs},
                       {"subscriptions", subs}});
}

}  // namespace

template <class Fn>
void Sfu::onPublication(unsigned worker, const std::string& sessionId, const std::string& streamId,
                        Fn fn) {
  Worker* w = workers_[worker].get();
  w->post([w, sessionId, streamId, fn = std::move(fn)]() mutable {
    Router* r = w->findRouter(sessionId);
    if (Publication* p = r ? r->publication(streamId) : nullptr) fn(*p);
  });
}

template <class Fn>
void Sfu::onSubscription(unsigned worker, const std::string& sessionId,
                         const std::string& subscriberId, Fn fn) {
  Worker* w = workers_[worker].get();
  w->post([w, sessionId, subscriberId, fn = std::move(fn)]() mutable {
    Router* r = w->findRouter(sessionId);
    if (Subscription* s = r ? r->subscription(subscriberId) : nullptr) fn(*s);
  });
}

Sfu::Sfu(boost::asio::io_context& control, Settings settings)
    : control_(control),
      settings_(std::move(settings)),
      certificate_(dtls::DtlsCertificate::generate()),
      host_(workers_, certificate_) {
  if (settings_.workers == 0) settings_.workers = 1;
  for (unsigned i = 0; i < settings_.workers; ++i) {
    Worker::Settings ws;
    ws.bindIp = settings_.bindIp;
    ws.port = settings_.basePort == 0 ? 0 : static_cast<uint16_t>(settings_.basePort + i);
    ws.testLossPercent = settings_.testLossPercent;
    ws.udpSegmentation = settings_.udpSegmentation;
    ws.schedulerSliceUs = settings_.schedulerSliceUs;
    if (i == 0)
      ws.stunPort =
          settings_.basePort == 0 ? 0 : settings_.basePort + static_cast<int>(settings_.workers);
    workers_.push_back(std::make_unique<Worker>(i, ws, *this));
  }
  assigned_.assign(workers_.size(), 0);
}

Sfu::~Sfu() {
  *alive_ = false;
  stop();
}

void Sfu::start() {
  for (auto& w : workers_) w->start();
}

void Sfu::stop() {
  for (auto& w : workers_) w->stop();
}

unsigned Sfu::place(const std::string& sessionId) {
  auto it = placements_.find(sessionId);
  if (it == placements_.end()) {
    unsigned best = 0;
    size_t bestLoad = std::numeric_limits<size_t>::max();
    for (auto& w : workers_) {
      if (w->load() < bestLoad) {
        bestLoad = w->load();
        best = w->index();
      }
    }
    // Sessions already placed but still empty count too (their transports come next).
    it = placements_.emplace(sessionId, Placement{best, 0}).first;
    Logger::info("routed session placed",
                 {{"sessionId", sessionId}, {"worker", static_cast<long long>(best)}});
  }
  ++it->second.objects;
  return it->second.worker;
}

void Sfu::release(const std::string& sessionId) {
  auto it = placements_.find(sessionId);
  if (it == placements_.end()) return;
  if (--it->second.objects == 0) {
    Worker* w = workers_[it->second.worker].get();
    w->post([w, sessionId] { w->removeRouterIfEmpty(sessionId); });
    placements_.erase(it);
    stats_.erase(sessionId);
  }
}

SdpNegotiator::LocalEndpoint Sfu::endpoint(unsigned worker, std::string ufrag,
                                           std::string password) const {
  SdpNegotiator::LocalEndpoint e;
  e.ip = settings_.announcedIp;
  e.udpPort = settings_.announceUdp ? workers_[worker]->port() : 0;
  e.tcpPort = settings_.announceTcp ? workers_[worker]->tcpPort() : 0;
  e.iceUfrag = std::move(ufrag);
  e.icePassword = std::move(password);
  e.fingerprint = certificate_->fingerprintSha256();
  return e;
}

SdpNegotiator::LocalEndpoint Sfu::endpoint(const NodeLink::RemoteWorker& remote, std::string ufrag,
                                           std::string password) const {
  SdpNegotiator::LocalEndpoint e;
  e.ip = remote.ip;
  e.udpPort = settings_.announceUdp ? remote.udpPort : 0;
  e.tcpPort = settings_.announceTcp ? remote.tcpPort : 0;
  e.iceUfrag = std::move(ufrag);
  e.icePassword = std::move(password);
  e.fingerprint = remote.fingerprint;
  return e;
}

SdpNegotiator::LocalEndpoint Sfu::endpoint(const SubscriptionInfo& info) const {
  if (info.node.empty()) return endpoint(info.worker, info.localUfrag, info.localPassword);
  return endpoint(info.remote, info.localUfrag, info.localPassword);
}

MediaService::Negotiation Sfu::publisherOffer(const std::string& sessionId,
                                              const std::string& streamId,
                                              const std::string& offerSdp) {
  const std::string k = key(sessionId, streamId);
  auto existing = publications_.find(k);
  const bool renegotiation = existing != publications_.end();
  std::string ufrag = renegotiation ? existing->second.localUfrag : randomToken(8);
  std::string password = renegotiation ? existing->second.localPassword : randomToken(24);
  const unsigned worker = renegotiation ? existing->second.worker : place(sessionId);
  std::optional<NodeLink::RemoteWorker> target;  // the other node's worker for its transport
  if (renegotiation && !existing->second.node.empty()) target = existing->second.remote;
  auto local = [&] {
    return target ? endpoint(*target, ufrag, password) : endpoint(worker, ufrag, password);
  };
  // First parse with the current credentials to learn whether the peer restarts ICE.
  auto answer = SdpNegotiator::answerPublisher(offerSdp, local());
  if (!answer) {
    if (!renegotiation) release(sessionId);
    return failure(answer.error().message);
  }
  // A new publisher's transport goes to another node's worker when this node cascades (only
  // for an offer that parsed: picking counts a placement there); its stream then comes here
  // through a pipe, to a mirror on `worker`.
  if (!renegotiation && cascading()) target = link_->pickWorker({});
  if (!renegotiation && target) {
    answer = SdpNegotiator::answerPublisher(offerSdp, local());
    if (!answer) {
      release(sessionId);
      return failure(answer.error().message);
    }
  }
  bool restart = renegotiation && answer->remote.iceUfrag != existing->second.remoteUfrag;
  // A publisher whose media node was lost (or cannot be reached) is placed anew at its ICE
  // restart, on another node; the answer names the new place and its DTLS certificate, so
  // the browser starts DTLS again there.
  bool placeAgain = false;
  if (restart && !existing->second.node.empty() &&
      (existing->second.orphaned || !link_ ||
       !link_->findWorker(existing->second.node, existing->second.remote.worker))) {
    target = link_ ? link_->pickWorker({}, existing->second.node) : std::nullopt;
    if (!target) {
      remotePublicationEnded(sessionId, streamId, "no media node left for its publisher");
      return failure("no media node for the publisher");
    }
    placeAgain = true;
  }
  if (restart) {
    ufrag = randomToken(8);
    password = randomToken(24);
    answer = SdpNegotiator::answerPublisher(offerSdp, local());
    if (!answer) return failure(answer.error().message);
  }

  if (renegotiation) {
    // Same transport; a restart changes the ICE credentials. New tracks or SSRCs of a
    // renegotiated publisher are not picked up (the client does not change them).
    PublicationInfo& info = existing->second;
    if (restart) {
      info.localUfrag = ufrag;
      info.localPassword = password;
      info.remoteUfrag = answer->remote.iceUfrag;
      TransportDescription remote = answer->remote;
      if (placeAgain) {
        if (!info.hostDone)
          tellNode(info.node,
                   core::Json::object(
                       {{"type", "unpublish"}, {"session", sessionId}, {"stream", streamId}}));
        const std::string gone = info.node;
        if (!placeRemotePublication(sessionId, streamId, info, *target, remote, true)) {
          info.hostDone = true;
          remotePublicationEnded(sessionId, streamId, "its publisher could not be placed again");
          return failure("the publisher could not be placed again");
        }
        info.orphaned = false;
        info.hostDone = false;
        Logger::info(
            "publisher transport placed again: its node is lost",
            {{"sessionId", sessionId}, {"streamId", streamId}, {"from", gone}, {"to", info.node}});
      } else if (!info.node.empty()) {
        tellNode(info.node, core::Json::object({{"type", "publisherRemote"},
                                                {"session", sessionId},
                                                {"stream", streamId},
                                                {"ufrag", ufrag},
                                                {"password", password},
                                                {"remote", DescriptionJson::transport(remote)}}));
      } else {
        Worker* w = workers_[worker].get();
        onPublication(worker, sessionId, streamId, [w, ufrag, password, remote](Publication& p) {
          WorkerCommands::restartPublication(*w, p, ufrag, password, remote);
        });
      }
    }
  } else {
    PublicationInfo info;
    info.worker = worker;
    info.tracks = answer->tracks;
    info.localUfrag = ufrag;
    info.localPassword = password;
    info.remoteUfrag = answer->remote.iceUfrag;
    if (target && !placeRemotePublication(sessionId, streamId, info, *target, answer->remote)) {
      // Here after all, answered with our own worker.
      target.reset();
      answer = SdpNegotiator::answerPublisher(offerSdp, local());
      if (!answer) {
        release(sessionId);
        return failure(answer.error().message);
      }
      info.tracks = answer->tracks;
    }
    publications_[k] = info;
    if (!target) {
      ++assigned_[worker];
      Worker* w = workers_[worker].get();
      w->post([w, sessionId, streamId, ufrag, password, remote = answer->remote,
               tracks = answer->tracks, certificate = certificate_]() mutable {
        WorkerCommands::addPublication(*w, sessionId, streamId, ufrag, password, remote,
                                       std::move(tracks), certificate);
      });
    }
    Logger::info("publisher negotiated", {{"sessionId", sessionId},
                                          {"streamId", streamId},
                                          {"tracks", static_cast<long long>(answer->tracks.size())},
                                          {"worker", static_cast<long long>(worker)},
                                          {"node", target ? target->nodeId : std::string("here")}});
  }

  Negotiation n;
  n.ok = true;
  n.sdp = answer->sdp;
  n.sdpMid = answer->tracks.empty() ? "0" : answer->tracks.front().mid;
  for (auto& c : SdpNegotiator::candidates(local())) n.candidates.push_back("candidate:" + c);
  return n;
}

bool Sfu::placeRemotePublication(const std::string& sessionId, const std::string& streamId,
                                 PublicationInfo& info, const NodeLink::RemoteWorker& remote,
                                 const TransportDescription& peer, bool refeed) {
  auto tracks = tracksForNode(info.tracks);
  auto origin = net::SocketAddress::parse(remote.ip, remote.udpPort);
  if (!link_ || !tracks || !origin) return false;
  const auto keys = newPipeKeys();
  Worker* mirror = workers_[info.worker].get();
  core::Json command = core::Json::object({{"type", "publish"},
                                           {"session", sessionId},
                                           {"stream", streamId},
                                           {"worker", static_cast<long long>(remote.worker)},
                                           {"ufrag", info.localUfrag},
                                           {"password", info.localPassword},
                                           {"remote", DescriptionJson::transport(peer)},
                                           {"tracks", *tracks},
                                           {"targetIp", settings_.announcedIp},
                                           {"targetPort", static_cast<long long>(mirror->port())}});
  setPipeFields(command, keys);
  if (refeed) {
    // Placed anew: the publisher's browser no longer names its simulcast layers in its packets
    // (RID and MID go once the first node acknowledged them), so the new node is told the
    // SSRCs the mirror here learnt. Read on the mirror's worker, then sent from here.
    info.node = remote.nodeId;
    info.remote = remote;
    info.pipeId = keys.media;
    auto alive = alive_;
    mirror->post([this, alive, mirror, sessionId, streamId, keys, origin = *origin, command,
                  nodeId = remote.nodeId, tracks = info.tracks]() mutable {
      if (!WorkerCommands::refeedNodeMirror(*mirror, sessionId, streamId, keys, origin)) {
        mirror->events().publicationClosed(sessionId, streamId, "no mirror of the stream");
        return;
      }
      Router* r = mirror->findRouter(sessionId);
      if (Publication* p = r ? r->publication(streamId) : nullptr)
        for (size_t t = 0; t < tracks.size() && t < p->producers().size(); ++t)
          for (size_t l = 0; l < tracks[t].layers.size() && l < p->producers()[t]->layerCount();
               ++l)
            if (tracks[t].layers[l].ssrc == 0)
              tracks[t].layers[l].ssrc = p->producers()[t]->layer(l).ssrc;
      boost::asio::post(control_, [this, alive, sessionId, streamId, command, nodeId,
                                   tracks = std::move(tracks)]() mutable {
        if (!*alive) return;
        auto it = publications_.find(key(sessionId, streamId));
        if (it == publications_.end() || it->second.node != nodeId) return;  // moved on
        if (auto json = tracksForNode(tracks)) command.set("tracks", std::move(*json));
        if (!link_ || !link_->send(nodeId, command))
          remotePublicationEnded(sessionId, streamId, "its publisher could not be placed again");
      });
    });
  } else {
    if (!link_->send(remote.nodeId, command)) return false;
    info.node = remote.nodeId;
    info.remote = remote;
    info.pipeId = keys.media;
    // The mirror stays when starved: its subscribers wait there while the publisher is
    // placed anew (orphanPublication).
    mirror->post([mirror, sessionId, streamId, tracks = info.tracks, keys, origin = *origin] {
      if (!WorkerCommands::addNodeMirror(*mirror, sessionId, streamId, tracks, keys, origin, true))
        mirror->events().publicationClosed(sessionId, streamId, "no mirror of the stream");
    });
  }
  Logger::info("publisher transport placed on another node",
               {{"sessionId", sessionId}, {"streamId", streamId}, {"node", remote.nodeId}});
  return true;
}

void Sfu::orphanPublication(const std::string& sessionId, const std::string& streamId,
                            const std::string& why) {
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end() || it->second.node.empty() || it->second.orphaned) return;
  PublicationInfo& info = it->second;
  // Alive but out of reach: it lets go of the publisher (which then restarts ICE).
  if (!info.hostDone)
    tellNode(info.node, core::Json::object(
                            {{"type", "unpublish"}, {"session", sessionId}, {"stream", streamId}}));
  info.hostDone = true;
  info.orphaned = true;
  const uint64_t epoch = ++info.orphanEpoch;
  Logger::warn(
      "publisher's media node lost; its ICE restart will place it anew",
      {{"sessionId", sessionId}, {"streamId", streamId}, {"node", info.node}, {"why", why}});
  auto timer = std::make_shared<boost::asio::steady_timer>(
      control_, std::chrono::milliseconds(kPublisherRestartGraceMs));
  auto alive = alive_;
  timer->async_wait(
      [this, alive, timer, sessionId, streamId, epoch](const boost::system::error_code& ec) {
        if (ec || !*alive) return;
        auto p = publications_.find(key(sessionId, streamId));
        if (p == publications_.end() || !p->second.orphaned || p->second.orphanEpoch != epoch)
          return;
        remotePublicationEnded(sessionId, streamId,
                               "its media node was lost and the publisher did not come back");
      });
}

void Sfu::remotePublicationEnded(const std::string& sessionId, const std::string& streamId,
                                 const std::string& reason) {
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end()) return;
  it->second.hostDone = true;
  unpublish(sessionId, streamId);
  if (events_) events_->publicationFailed(sessionId, streamId, reason);
}

std::vector<SdpNegotiator::OutgoingTrack> Sfu::outgoing(const SubscriptionInfo& info) const {
  std::vector<SdpNegotiator::OutgoingTrack> out;
  for (size_t i = 0; i < info.tracks.size(); ++i)
    out.push_back({&info.tracks[i], info.ssrcs[i], info.trackIds[i]});
  return out;
}

MediaService::Negotiation Sfu::subscribe(const std::string& sessionId, const std::string& streamId,
                                         const std::string& subscriberId, bool audio, bool video) {
  auto pub = publications_.find(key(sessionId, streamId));
  if (pub == publications_.end()) return failure("stream has no media at the SFU");
  const std::string k = key(sessionId, subscriberId);
  if (subscriptions_.count(k)) unsubscribe(sessionId, subscriberId);

  SubscriptionInfo info;
  info.streamId = streamId;
  info.audio = audio;
  info.video = video;
  info.tracks = pub->second.tracks;
  for (size_t i = 0; i < info.tracks.size(); ++i) {
    info.ssrcs.push_back(randomSsrc());
    info.trackIds.push_back(core::Crypto::uuid4());
  }
  info.localUfrag = randomToken(8);
  info.localPassword = randomToken(24);
  placeSubscription(sessionId, subscriberId, info, pub->second);
  auto local = endpoint(info);
  Negotiation n;
  n.ok = true;
  n.sdp = SdpNegotiator::offerSubscriber(outgoing(info), streamId, local, info.version);
  n.sdpMid = info.tracks.empty() ? "0" : info.tracks.front().mid;
  for (auto& c : SdpNegotiator::candidates(local)) n.candidates.push_back("candidate:" + c);
  subscriptions_[k] = std::move(info);
  return n;
}

void Sfu::placeSubscription(const std::string& sessionId, const std::string& subscriberId,
                            SubscriptionInfo& info, const PublicationInfo& publication) {
  const std::string& streamId = info.streamId;
  info.node.clear();
  info.mirrored = false;
  if (auto target = cascadeTarget(sessionId, streamId);
      target && ensureRemoteMirror(sessionId, streamId, publication, *target)) {
    info.node = target->nodeId;
    info.remote = *target;
    info.worker = target->worker;
  } else {
    const unsigned home = place(sessionId);
    // A stream from another node is mirrored on one worker here; its subscriptions stay on it.
    info.worker = publication.node.empty() ? subscriptionWorker(home) : publication.worker;
    ++assigned_[info.worker];
    if (info.worker != publication.worker) {
      if (!ensureMirror(sessionId, streamId, publication, info.worker)) {
        --assigned_[info.worker];
        info.worker = publication.worker;
        ++assigned_[info.worker];
      } else {
        info.mirrored = true;
      }
    }
  }
  WorkerCommands::NewSubscription order;
  order.routerKey = sessionId;
  order.streamId = streamId;
  order.subscriberId = subscriberId;
  order.ssrcs = info.ssrcs;
  order.trackIds = info.trackIds;
  order.ufrag = info.localUfrag;
  order.password = info.localPassword;
  order.audio = info.audio;
  order.video = info.video;
  if (!info.node.empty()) {
    core::Json ssrcs = core::Json::array();
    for (uint32_t ssrc : order.ssrcs) ssrcs.push(core::Json(static_cast<long long>(ssrc)));
    core::Json trackIds = core::Json::array();
    for (const auto& id : order.trackIds) trackIds.push(core::Json(id));
    tellNode(info.node, core::Json::object({{"type", "subscribe"},
                                            {"session", sessionId},
                                            {"stream", streamId},
                                            {"subscriber", subscriberId},
                                            {"worker", static_cast<long long>(info.worker)},
                                            {"ssrcs", ssrcs},
                                            {"trackIds", trackIds},
                                            {"ufrag", order.ufrag},
                                            {"password", order.password},
                                            {"audio", info.audio},
                                            {"video", info.video}}));
    Logger::info("subscriber transport placed on another node",
                 {{"sessionId", sessionId}, {"subscriberId", subscriberId}, {"node", info.node}});
    return;
  }
  Worker* w = workers_[info.worker].get();
  w->post([w, order = std::move(order), certificate = certificate_] {
    WorkerCommands::addSubscription(*w, order, certificate);
  });
}

MediaService::Negotiation Sfu::subscriberAnswer(const std::string& sessionId,
                                                const std::string& subscriberId,
                                                const std::string& answerSdp) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return failure("no such subscription");
  auto answer = SdpNegotiator::readSubscriberAnswer(answerSdp);
  if (!answer) return failure(answer.error().message);
  SubscriptionInfo& info = it->second;
  const bool restart = !info.remoteUfrag.empty() && info.remoteUfrag != answer->remote.iceUfrag;
  info.remoteUfrag = answer->remote.iceUfrag;
  TransportDescription remote = answer->remote;
  remoteDescription(info, sessionId, subscriberId, remote, restart, false,
                    std::move(answer->acceptedPayloadTypes));
  Negotiation n;
  n.ok = true;
  return n;
}

void Sfu::remoteDescription(const SubscriptionInfo& info, const std::string& sessionId,
                            const std::string& subscriberId, const TransportDescription& remote,
                            bool restart, bool fromOffer,
                            std::map<std::string, std::vector<uint8_t>> payloadTypes) {
  core::Json types = core::Json::object();
  if (!info.node.empty())
    for (const auto& [mid, list] : payloadTypes) {
      core::Json pts = core::Json::array();
      for (uint8_t pt : list) pts.push(core::Json(static_cast<long long>(pt)));
      types.set(mid, pts);
    }
  Worker* w = workers_[info.node.empty() ? info.worker : 0].get();
  onAnySubscription(
      info, sessionId, subscriberId,
      core::Json::object({{"type", "remote"},
                          {"remote", DescriptionJson::transport(remote)},
                          {"restart", restart},
                          {"fromOffer", fromOffer},
                          {"ufrag", info.localUfrag},
                          {"password", info.localPassword},
                          {"payloadTypes", types}}),
      [w, remote, restart, fromOffer, ufrag = info.localUfrag, password = info.localPassword,
       payloadTypes = std::move(payloadTypes)](Subscription& s) {
        WorkerCommands::setRemote(*w, s, remote, restart, fromOffer, ufrag, password, payloadTypes);
      });
}

MediaService::Negotiation Sfu::subscriberOffer(const std::string& sessionId,
                                               const std::string& subscriberId,
                                               const std::string& offerSdp) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return failure("no such subscription");
  auto offer = SdpNegotiator::readSubscriberOffer(offerSdp);
  if (!offer) return failure(offer.error().message);
  SubscriptionInfo& info = it->second;
  bool restart = offer->remote.iceUfrag != info.remoteUfrag;
  if (restart) {
    info.localUfrag = randomToken(8);
    info.localPassword = randomToken(24);
  }
  // Its transport was on a node that is gone: an ICE restart places it anew (here or on
  // another node), and the answer names the new place and its DTLS certificate, so the
  // browser starts DTLS again there.
  if (!info.node.empty() && restart &&
      (info.orphaned || !link_ || !link_->findWorker(info.node, info.worker))) {
    auto pub = publications_.find(key(sessionId, info.streamId));
    if (pub == publications_.end()) return failure("stream has no media at the SFU");
    if (!info.orphaned) {
      // Alive but out of reach or draining: what it holds for this subscription goes.
      tellNode(info.node, core::Json::object({{"type", "unsubscribe"},
                                              {"session", sessionId},
                                              {"subscriber", subscriberId}}));
      releaseRemoteMirror(sessionId, info.streamId, info.node);
    }
    const std::string gone = info.node;
    info.orphaned = false;
    // New RTP streams (same tracks): the browser's receivers knew the old ones' sequence
    // numbers, timestamps and VP8 picture ids as the lost node rewrote them (after simulcast
    // layer switches), which a fresh consumer cannot continue; under the old SSRCs its
    // packets would look old to the browser, be received and never decoded.
    for (uint32_t& ssrc : info.ssrcs) ssrc = randomSsrc();
    placeSubscription(sessionId, subscriberId, info, pub->second);
    restart = false;  // a fresh transport: nothing to restart
    Logger::info("subscriber transport placed again: its node is gone",
                 {{"sessionId", sessionId},
                  {"subscriberId", subscriberId},
                  {"from", gone},
                  {"to", info.node.empty() ? std::string("here") : info.node}});
  }
  info.remoteUfrag = offer->remote.iceUfrag;
  auto local = endpoint(info);
  Negotiation n;
  std::map<std::string, std::vector<uint8_t>> kept;
  n.sdp =
      SdpNegotiator::answerSubscriberOffer(offerSdp, outgoing(info), info.streamId, local, &kept);
  if (n.sdp.empty()) return failure("cannot answer the subscriber's offer");
  n.ok = true;
  n.sdpMid = info.tracks.empty() ? "0" : info.tracks.front().mid;
  for (auto& c : SdpNegotiator::candidates(local)) n.candidates.push_back("candidate:" + c);
  TransportDescription remote = offer->remote;
  // In our answer we take the role the offer leaves us: actpass → we are passive (server).
  remote.dtlsRole = dtls::DtlsRole::Server;
  remoteDescription(info, sessionId, subscriberId, remote, restart, true, std::move(kept));
  return n;
}

void Sfu::unpublish(const std::string& sessionId, const std::string& streamId) {
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end()) return;
  Worker* w = workers_[it->second.worker].get();
  if (it->second.node.empty())
    --assigned_[it->second.worker];
  else if (!it->second.hostDone)
    tellNode(
        it->second.node,
        core::Json::object({{"type", "unpublish"}, {"session", sessionId}, {"stream", streamId}}));
  publications_.erase(it);
  w->post([w, sessionId, streamId] {
    if (Router* r = w->findRouter(sessionId)) r->removePublication(streamId);
  });
  // Its mirrors go too; the subscriptions behind them stay, inert, until removed.
  if (auto m = mirrors_.find(key(sessionId, streamId)); m != mirrors_.end()) {
    for (const auto& [worker, mirror] : m->second) {
      Worker* mw = workers_[worker].get();
      mw->post([mw, sessionId, streamId] {
        if (Router* r = mw->findRouter(sessionId)) r->removePublication(streamId);
      });
    }
    mirrors_.erase(m);
  }
  // The pipes to other nodes went with the publication on its worker.
  if (auto m = remoteMirrors_.find(key(sessionId, streamId)); m != remoteMirrors_.end()) {
    for (const auto& [node, mirror] : m->second)
      tellNode(node, core::Json::object(
                         {{"type", "unmirror"}, {"session", sessionId}, {"stream", streamId}}));
    remoteMirrors_.erase(m);
  }
  release(sessionId);
}

void Sfu::unsubscribe(const std::string& sessionId, const std::string& subscriberId) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return;
  const SubscriptionInfo info = std::move(it->second);
  subscriptions_.erase(it);
  if (!info.node.empty()) {
    if (info.orphaned) return;  // its node, and what it held there, are gone
    tellNode(info.node,
             core::Json::object(
                 {{"type", "unsubscribe"}, {"session", sessionId}, {"subscriber", subscriberId}}));
    releaseRemoteMirror(sessionId, info.streamId, info.node);
    return;
  }
  Worker* w = workers_[info.worker].get();
  --assigned_[info.worker];
  w->post([w, sessionId, subscriberId] {
    if (Router* r = w->findRouter(sessionId)) r->removeSubscription(subscriberId);
  });
  if (info.mirrored) {
    releaseMirror(sessionId, info.streamId, info.worker);
    w->post([w, sessionId] { w->removeRouterIfEmpty(sessionId); });
  }
  release(sessionId);
}

unsigned Sfu::subscriptionWorker(unsigned home) const {
  unsigned least = home;
  for (unsigned i = 0; i < assigned_.size(); ++i)
    if (assigned_[i] < assigned_[least]) least = i;
  // Small sessions stay on their worker: crossing to another costs a copy per packet.
  return assigned_[home] > assigned_[least] + settings_.sessionSpread ? least : home;
}

bool Sfu::ensureMirror(const std::string& sessionId, const std::string& streamId,
                       const PublicationInfo& publication, unsigned worker) {
  MirrorInfo& mirror = mirrors_[key(sessionId, streamId)][worker];
  if (mirror.subscribers++ > 0) return true;
  std::shared_ptr<MediaPipe> pipe;
  try {
    pipe = std::make_shared<MediaPipe>();
  } catch (const std::exception& e) {
    Logger::warn("no pipe between media workers", {{"error", e.what()}});
    auto m = mirrors_.find(key(sessionId, streamId));
    m->second.erase(worker);
    if (m->second.empty()) mirrors_.erase(m);
    return false;
  }
  mirror.pipeId = ++lastPipeId_;
  Worker* origin = workers_[publication.worker].get();
  pipe->requestKeyframe = [origin, sessionId, streamId](size_t layer) {
    origin->post([origin, sessionId, streamId, layer] {
      if (Router* r = origin->findRouter(sessionId))
        if (Publication* p = r->publication(streamId)) p->requestKeyFrame(layer, origin->nowUs());
    });
  };
  // The mirror first: packets the origin pipes before it exists wait in the ring.
  Worker* w = workers_[worker].get();
  auto tracks = publication.tracks;
  w->post([w, sessionId, streamId, tracks, pipe] {
    Router& r = w->router(sessionId);
    r.addPublication(std::make_unique<Publication>(r, streamId, tracks, pipe));
  });
  const uint64_t pipeId = mirror.pipeId;
  origin->post([origin, sessionId, streamId, pipeId, pipe] {
    if (Router* r = origin->findRouter(sessionId)) r->addPipe(streamId, pipeId, pipe);
  });
  Logger::info("stream mirrored to another media worker",
               {{"sessionId", sessionId},
                {"streamId", streamId},
                {"from", static_cast<long long>(publication.worker)},
                {"to", static_cast<long long>(worker)}});
  return true;
}

void Sfu::releaseMirror(const std::string& sessionId, const std::string& streamId,
                        unsigned worker) {
  auto m = mirrors_.find(key(sessionId, streamId));
  if (m == mirrors_.end()) return;
  auto it = m->second.find(worker);
  if (it == m->second.end() || --it->second.subscribers > 0) return;
  const uint64_t pipeId = it->second.pipeId;
  m->second.erase(it);
  if (m->second.empty()) mirrors_.erase(m);
  if (auto pub = publications_.find(key(sessionId, streamId)); pub != publications_.end()) {
    Worker* origin = workers_[pub->second.worker].get();
    origin->post([origin, sessionId, pipeId] {
      if (Router* r = origin->findRouter(sessionId)) r->removePipe(pipeId);
    });
  }
  Worker* w = workers_[worker].get();
  w->post([w, sessionId, streamId] {
    if (Router* r = w->findRouter(sessionId)) r->removePublication(streamId);
  });
}

bool Sfu::cascading() const {
  if (!link_ || settings_.cascadeAbove == 0) return false;
  size_t transports = 0;
  for (size_t n : assigned_) transports += n;
  return transports >= settings_.cascadeAbove;
}

std::optional<NodeLink::RemoteWorker> Sfu::cascadeTarget(const std::string& sessionId,
                                                         const std::string& streamId) {
  if (!cascading()) return std::nullopt;
  std::map<std::string, unsigned> mirroring;
  if (auto m = remoteMirrors_.find(key(sessionId, streamId)); m != remoteMirrors_.end())
    for (const auto& [node, mirror] : m->second) mirroring[node] = mirror.worker;
  return link_->pickWorker(mirroring);
}

bool Sfu::ensureRemoteMirror(const std::string& sessionId, const std::string& streamId,
                             const PublicationInfo& publication, NodeLink::RemoteWorker& remote) {
  auto& mirrors = remoteMirrors_[key(sessionId, streamId)];
  if (auto it = mirrors.find(remote.nodeId); it != mirrors.end()) {
    if (it->second.worker != remote.worker) {
      auto worker = link_->findWorker(remote.nodeId, it->second.worker);
      if (!worker) return false;
      remote = *worker;
    }
    ++it->second.subscribers;
    return true;
  }
  auto giveUp = [&] {
    if (mirrors.empty()) remoteMirrors_.erase(key(sessionId, streamId));
    return false;
  };
  auto peer = net::SocketAddress::parse(remote.ip, remote.udpPort);
  auto tracks = tracksForNode(publication.tracks);
  if (!peer || !tracks || !link_) return giveUp();
  const auto keys = newPipeKeys();
  Worker* origin = workers_[publication.worker].get();
  core::Json command = core::Json::object({{"type", "mirror"},
                                           {"session", sessionId},
                                           {"stream", streamId},
                                           {"worker", static_cast<long long>(remote.worker)},
                                           {"originIp", settings_.announcedIp},
                                           {"originPort", static_cast<long long>(origin->port())},
                                           {"tracks", *tracks}});
  setPipeFields(command, keys);
  if (!link_->send(remote.nodeId, command)) return giveUp();
  mirrors[remote.nodeId] = RemoteMirror{remote.worker, keys.media, 1};
  // From the publication, or from the mirror that stands for it when another node hosts it.
  origin->post([origin, sessionId, streamId, keys, peer = *peer] {
    if (!WorkerCommands::addNodePipe(*origin, sessionId, streamId, keys, peer))
      Logger::warn("no pipe to another node", {{"sessionId", sessionId}, {"streamId", streamId}});
  });
  Logger::info("stream mirrored to another node",
               {{"sessionId", sessionId},
                {"streamId", streamId},
                {"node", remote.nodeId},
                {"worker", static_cast<long long>(remote.worker)}});
  return true;
}

void Sfu::releaseRemoteMirror(const std::string& sessionId, const std::string& streamId,
                              const std::string& nodeId) {
  auto m = remoteMirrors_.find(key(sessionId, streamId));
  if (m == remoteMirrors_.end()) return;
  auto it = m->second.find(nodeId);
  if (it == m->second.end() || --it->second.subscribers > 0) return;
  const uint32_t pipeId = it->second.pipeId;
  m->second.erase(it);
  if (m->second.empty()) remoteMirrors_.erase(m);
  tellNode(nodeId, core::Json::object(
                       {{"type", "unmirror"}, {"session", sessionId}, {"stream", streamId}}));
  if (auto pub = publications_.find(key(sessionId, streamId)); pub != publications_.end()) {
    Worker* origin = workers_[pub->second.worker].get();
    origin->post([origin, sessionId, pipeId] {
      if (Router* r = origin->findRouter(sessionId)) r->removeNodePipe(pipeId);
    });
  }
}

template <class Fn>
void Sfu::onAnySubscription(const SubscriptionInfo& info, const std::string& sessionId,
                            const std::string& subscriberId, core::Json command, Fn fn) {
  if (info.node.empty()) {
    onSubscription(info.worker, sessionId, subscriberId, std::move(fn));
    return;
  }
  command.set("session", core::Json(sessionId));
  command.set("subscriber", core::Json(subscriberId));
  tellNode(info.node, command);
}

void Sfu::tellNode(const std::string& nodeId, const core::Json& message) {
  if (link_) link_->send(nodeId, message);
}

void Sfu::hostedSubscriptionEnded(const std::string& sessionId, const std::string& subscriberId,
                                  const std::string& reason) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return;
  const std::string node = it->second.node;
  const std::string streamId = it->second.streamId;
  const bool orphaned = it->second.orphaned;
  subscriptions_.erase(it);
  if (!orphaned) releaseRemoteMirror(sessionId, streamId, node);
  if (events_) events_->subscriptionFailed(sessionId, subscriberId, reason);
}

void Sfu::onNodeMessage(const std::string& from, const core::Json& message) {
  auto type = message.getString("type");
  if (type == "closed" || type == "suspended") {
    // News of a subscription this node placed on `from`: only `from` can give it.
    auto sessionId = message.getString("session");
    auto subscriberId = message.getString("subscriber");
    auto it = sessionId && subscriberId ? subscriptions_.find(key(*sessionId, *subscriberId))
                                        : subscriptions_.end();
    if (it == subscriptions_.end() || it->second.node != from) return;
    if (type == "closed") {
      auto reason = message.getString("reason").value_or("closed");
      hostedSubscriptionEnded(*sessionId, *subscriberId, reason.substr(0, 200));
    } else if (auto suspended = message.getBool("suspended"); suspended && events_) {
      events_->subscriberVideoSuspended(*sessionId, *subscriberId, *suspended);
    }
    return;
  }
  if (type == "published" || type == "unpublished") {
    // News of a publication this node placed on `from`: only `from` can give it.
    auto sessionId = message.getString("session");
    auto streamId = message.getString("stream");
    auto it = sessionId && streamId ? publications_.find(key(*sessionId, *streamId))
                                    : publications_.end();
    // While orphaned the old node's news is stale: the publisher is being placed anew.
    if (it == publications_.end() || it->second.node != from || it->second.orphaned) return;
    if (type == "published") {
      if (events_) events_->publicationReady(*sessionId, *streamId);
    } else {
      auto reason = message.getString("reason").value_or("closed");
      remotePublicationEnded(*sessionId, *streamId, reason.substr(0, 200));
    }
    return;
  }
  host_.handle(from, message);
}

void Sfu::keepNodes(const std::set<std::string>& live) {
  host_.keepOwners(live);
  // Publishers whose transport was on a node that left wait for their client's ICE restart,
  // which places them anew; their streams go on meanwhile (frozen).
  std::vector<std::pair<std::string, std::string>> lost;
  for (auto& [k, info] : publications_)
    if (!info.node.empty() && !info.orphaned && !live.count(info.node)) {
      info.hostDone = true;
      lost.emplace_back(k.substr(0, k.rfind('/')), k.substr(k.rfind('/') + 1));
    }
  for (const auto& [sessionId, streamId] : lost)
    orphanPublication(sessionId, streamId, "its node left");
  // Subscriptions on a node that left wait for their client's ICE restart, which places
  // them anew (subscriberOffer); the stream no longer crosses to that node.
  for (auto& [k, info] : subscriptions_) {
    if (info.node.empty() || info.orphaned || live.count(info.node)) continue;
    info.orphaned = true;
    releaseRemoteMirror(k.substr(0, k.find('/')), info.streamId, info.node);
  }
}

void Sfu::setPublisherTrack(const std::string& sessionId, const std::string& streamId,
                            TrackKind kind, bool active) {
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end()) return;
  if (!it->second.node.empty()) {
    tellNode(it->second.node,
             core::Json::object({{"type", "publisherTrack"},
                                 {"session", sessionId},
                                 {"stream", streamId},
                                 {"kind", kind == TrackKind::Audio ? "audio" : "video"},
                                 {"active", active}}));
    return;
  }
  onPublication(it->second.worker, sessionId, streamId,
                [kind, active](Publication& p) { p.setPaused(kindOf(kind), !active); });
}

std::vector<MediaService::PublishedTrack> Sfu::publishedTracks(const std::string& sessionId,
                                                               const std::string& streamId) {
  std::vector<PublishedTrack> out;
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end()) return out;
  for (const auto& t : it->second.tracks) {
    PublishedTrack p;
    p.kind = t.isVideo() ? TrackKind::Video : TrackKind::Audio;
    if (!t.codecs.empty()) {
      p.codec = t.codecs.front().name;
      p.clockRate = t.codecs.front().clockRate;
      p.channels = t.codecs.front().channels;
    }
    out.push_back(std::move(p));
  }
  return out;
}

void Sfu::startRecording(const std::string& sessionId, const std::string& streamId, uint64_t tapId,
                         std::shared_ptr<record::PacketRing> ring, std::vector<uint8_t> outputs) {
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end()) {
    ring->close();
    return;
  }
  Worker* w = workers_[it->second.worker].get();
  // The tap is made on the worker: if the router or publication is gone by then, it is
  // dropped at once and closes the ring, so the recorder never waits for it.
  w->post([w, sessionId, streamId, tapId, ring = std::move(ring), outputs = std::move(outputs)] {
    auto tap = std::make_unique<RecordingTap>(ring);
    if (Router* r = w->findRouter(sessionId)) r->addTap(streamId, tapId, std::move(tap), outputs);
  });
}

void Sfu::stopRecording(const std::string& sessionId, uint64_t tapId) {
  auto it = placements_.find(sessionId);
  if (it == placements_.end()) return;  // nothing left there: the taps went with it
  Worker* w = workers_[it->second.worker].get();
  w->post([w, sessionId, tapId] {
    if (Router* r = w->findRouter(sessionId)) r->removeTap(tapId);
  });
}

void Sfu::requestKeyframe(const std::string& sessionId, const std::string& streamId) {
  auto it = publications_.find(key(sessionId, streamId));
  if (it == publications_.end()) return;
  Worker* w = workers_[it->second.worker].get();
  w->post([w, sessionId, streamId] {
    if (Router* r = w->findRouter(sessionId)) r->requestKeyFrame(streamId);
  });
}

void Sfu::setSubscriberTrack(const std::string& sessionId, const std::string& subscriberId,
                             TrackKind kind, bool active) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return;
  (kind == TrackKind::Audio ? it->second.audio : it->second.video) = active;
  onAnySubscription(it->second, sessionId, subscriberId,
                    core::Json::object({{"type", "track"},
                                        {"kind", kind == TrackKind::Audio ? "audio" : "video"},
                                        {"active", active}}),
                    [kind, active](Subscription& s) { s.setEnabled(kindOf(kind), active); });
}

void Sfu::setSubscriberVideoFallback(const std::string& sessionId, const std::string& subscriberId,
                                     bool allowed) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return;
  onAnySubscription(it->second, sessionId, subscriberId,
                    core::Json::object({{"type", "fallback"}, {"allowed", allowed}}),
                    [allowed](Subscription& s) { s.setVideoFallback(allowed); });
}

void Sfu::setSubscriberFrameRate(const std::string& sessionId, const std::string& subscriberId,
                                 double preferredFps, bool restricted) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return;
  onAnySubscription(
      it->second, sessionId, subscriberId,
      core::Json::object(
          {{"type", "frameRate"}, {"fps", preferredFps}, {"restricted", restricted}}),
      [preferredFps, restricted](Subscription& s) { s.setFrameRate(preferredFps, restricted); });
}

void Sfu::setSubscriberPreferredSize(const std::string& sessionId, const std::string& subscriberId,
                                     uint32_t width, uint32_t height, uint32_t fullWidth) {
  auto it = subscriptions_.find(key(sessionId, subscriberId));
  if (it == subscriptions_.end()) return;
  onAnySubscription(it->second, sessionId, subscriberId,
                    core::Json::object({{"type", "size"},
                                        {"width", static_cast<long long>(width)},
                                        {"height", static_cast<long long>(height)},
                                        {"fullWidth", static_cast<long long>(fullWidth)}}),
                    [width, height, fullWidth](Subscription& s) {
                      s.setPreferredSize(width, height, fullWidth);
                    });
}

core::Json Sfu::sessionStats(const std::string& sessionId) {
  auto placed = placements_.find(sessionId);
  if (placed == placements_.end()) {
    return core::Json::object({{"sessionId", sessionId},
                               {"publications", core::Json::array()},
                               {"subscriptions", core::Json::array()}});
  }
  // The worker runs what is posted to it in order, so a request posted now (or right after
  // the one on its way) sees every command sent before this call.
  StatsCache& cache = stats_[sessionId];
  uint64_t next = 0;
  if (cache.inFlight == 0) {
    next = ++lastStatsRequest_;
    requestStats(placed->second.worker, sessionId, next);
    cache.inFlight = next;
  } else {
    if (cache.owed == 0) cache.owed = ++lastStatsRequest_;
    next = cache.owed;
  }
  core::Json out = cache.snapshot;
  if (out.isNull()) {
    out = core::Json::object({{"sessionId", sessionId},
                              {"worker", static_cast<long long>(placed->second.worker)},
                              {"publications", core::Json::array()},
                              {"subscriptions", core::Json::array()}});
  }
  out.set("snapshot", core::Json(static_cast<long long>(cache.snapshotNumber)));
  out.set("ageMs",
          cache.snapshot.isNull()
              ? core::Json()
              : core::Json(static_cast<long long>((Worker::steadyNowUs() - cache.takenUs) / 1000)));
  out.set("nextSnapshot", core::Json(static_cast<long long>(next)));
  // Publications and subscriptions hosted by other nodes: listed with their node, counted
  // there.
  if (core::Json* pubs = out.find("publications")) {
    const std::string prefix = sessionId + "/";
    for (auto it = publications_.lower_bound(prefix);
         it != publications_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      if (it->second.node.empty()) continue;
      const std::string streamId = it->first.substr(prefix.size());
      // The mirror standing for it here, if the snapshot has it yet.
      core::Json* listed = nullptr;
      for (size_t i = 0; i < pubs->size(); ++i)
        if (pubs->at(i).getString("streamId") == streamId) listed = &pubs->at(i);
      if (listed)
        listed->set("node", core::Json(it->second.node));
      else
        pubs->push(core::Json::object({{"streamId", streamId}, {"node", it->second.node}}));
    }
  }
  if (core::Json* subs = out.find("subscriptions")) {
    const std::string prefix = sessionId + "/";
    for (auto it = subscriptions_.lower_bound(prefix);
         it != subscriptions_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
      if (!it->second.node.empty())
        subs->push(core::Json::object({{"subscriberId", it->first.substr(prefix.size())},
                                       {"streamId", it->second.streamId},
                                       {"node", it->second.node}}));
  }
  return out;
}

void Sfu::requestStats(unsigned worker, const std::string& sessionId, uint64_t number) {
  // The session's worker, then each worker its streams are mirrored to (their subscriptions).
  std::vector<Worker*> chain{workers_[worker].get()};
  const std::string prefix = sessionId + "/";
  for (auto it = mirrors_.lower_bound(prefix);
       it != mirrors_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    for (const auto& [w, mirror] : it->second)
      if (std::find(chain.begin(), chain.end(), workers_[w].get()) == chain.end())
        chain.push_back(workers_[w].get());
  }
  collectStats(std::move(chain), 0, sessionId, number, core::Json());
}

void Sfu::collectStats(std::vector<Worker*> chain, size_t index, const std::string& sessionId,
                       uint64_t number, core::Json partial) {
  Worker* w = chain[index];
  auto alive = alive_;
  w->post([this, alive, chain = std::move(chain), index, sessionId, number,
           partial = std::move(partial)]() mutable {
    core::Json part = buildSessionStats(chain[index], sessionId);
    if (index == 0) {
      partial = std::move(part);
    } else if (core::Json* subs = partial.find("subscriptions")) {
      if (const core::Json* more = part.find("subscriptions"))
        for (const auto& s : more->items()) subs->push(s);
    }
    if (index + 1 < chain.size()) {
      collectStats(std::move(chain), index + 1, sessionId, number, std::move(partial));
      return;
    }
    const int64_t takenUs = Worker::steadyNowUs();
    boost::asio::post(control_, [this, alive, sessionId, number, takenUs,
                                 snapshot = std::move(partial)]() mutable {
      if (*alive) statsArrived(sessionId, number, takenUs, std::move(snapshot));
    });
  });
}

void Sfu::statsArrived(const std::string& sessionId, uint64_t number, int64_t takenUs,
                       core::Json snapshot) {
  auto it = stats_.find(sessionId);
  // Dropped when the session ended meanwhile (or was placed anew: another request is due).
  if (it == stats_.end() || it->second.inFlight != number) return;
  StatsCache& cache = it->second;
  cache.snapshot = std::move(snapshot);
  cache.takenUs = takenUs;
  cache.snapshotNumber = number;
  cache.inFlight = 0;
  auto placed = placements_.find(sessionId);
  if (cache.owed != 0 && placed != placements_.end()) {
    cache.inFlight = cache.owed;
    cache.owed = 0;
    requestStats(placed->second.worker, sessionId, cache.inFlight);
  }
}

// ---- worker events: re-posted to the control thread

void Sfu::publicationConnected(const std::string& sessionId, const std::string& streamId) {
  auto alive = alive_;
  boost::asio::post(control_, [this, alive, sessionId, streamId] {
    if (!*alive) return;
    if (host_.hostsPublications(sessionId)) {
      host_.publicationConnected(sessionId, streamId);
      return;
    }
    if (events_ && publications_.count(key(sessionId, streamId)))
      events_->publicationReady(sessionId, streamId);
  });
}

void Sfu::publicationClosed(const std::string& sessionId, const std::string& streamId,
                            const std::string& reason) {
  auto alive = alive_;
  boost::asio::post(control_, [this, alive, sessionId, streamId, reason] {
    if (!*alive) return;
    if (host_.hostsPublications(sessionId)) {
      host_.publicationClosed(sessionId, streamId, reason);
      return;
    }
    if (!publications_.count(key(sessionId, streamId))) return;
    unpublish(sessionId, streamId);
    if (events_) events_->publicationFailed(sessionId, streamId, reason);
  });
}

void Sfu::subscriptionConnected(const std::string&, const std::string&) {}

void Sfu::subscriptionClosed(const std::string& sessionId, const std::string& subscriberId,
                             const std::string& reason) {
  auto alive = alive_;
  boost::asio::post(control_, [this, alive, sessionId, subscriberId, reason] {
    if (!*alive) return;
    if (host_.hosts(sessionId)) {
      host_.subscriptionClosed(sessionId, subscriberId, reason);
      return;
    }
    if (!subscriptions_.count(key(sessionId, subscriberId))) return;
    unsubscribe(sessionId, subscriberId);
    if (events_) events_->subscriptionFailed(sessionId, subscriberId, reason);
  });
}

void Sfu::subscriptionVideoSuspended(const std::string& sessionId, const std::string& subscriberId,
                                     bool suspended) {
  auto alive = alive_;
  boost::asio::post(control_, [this, alive, sessionId, subscriberId, suspended] {
    if (!*alive) return;
    if (host_.hosts(sessionId)) {
      host_.subscriptionVideoSuspended(sessionId, subscriberId, suspended);
      return;
    }
    if (!subscriptions_.count(key(sessionId, subscriberId))) return;
    if (events_) events_->subscriberVideoSuspended(sessionId, subscriberId, suspended);
  });
}

void Sfu::mirrorStarved(const std::string& routerKey, const std::string& streamId,
                        uint32_t pipeId) {
  auto alive = alive_;
  boost::asio::post(control_, [this, alive, routerKey, streamId, pipeId] {
    if (!*alive) return;
    // The mirror standing for a publication another node hosts: its stream stopped coming.
    auto pub = publications_.find(key(routerKey, streamId));
    if (pub != publications_.end() && !pub->second.node.empty() && pub->second.pipeId == pipeId) {
      orphanPublication(routerKey, streamId, "its stream stopped arriving");
      return;
    }
    host_.mirrorStarved(routerKey, streamId, pipeId);
  });
}

}  // namespace parley::media
