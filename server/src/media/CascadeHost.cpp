#include "media/CascadeHost.h"

#include <cstring>

#include "core/Crypto.h"
#include "media/DescriptionJson.h"
#include "media/NodePipeCodec.h"
#include "media/NodePipeReceiver.h"
#include "media/Router.h"
#include "media/Subscription.h"
#include "media/Worker.h"
#include "media/WorkerCommands.h"
#include "obs/Logger.h"

namespace parley::media {

using core::Json;
using obs::Logger;

namespace {

constexpr size_t kMaxIdBytes = 200;
constexpr size_t kMaxTracks = 16;

std::optional<std::string> id(const Json& c, std::string_view key) {
  auto v = c.getString(key);
  if (!v || v->empty() || v->size() > kMaxIdBytes) return std::nullopt;
  return v;
}

std::optional<NodePipeCodec::Key> key(const Json& c, std::string_view field) {
  auto hex = c.getString(field);
  auto bytes = hex ? core::Crypto::fromHex(*hex) : std::nullopt;
  if (!bytes || bytes->size() != NodePipeCodec::kKeySize) return std::nullopt;
  NodePipeCodec::Key k{};
  std::memcpy(k.data(), bytes->data(), k.size());
  return k;
}

std::optional<uint32_t> pipeId(const Json& c, std::string_view field) {
  auto v = c.getInt(field);
  if (!v || *v <= 0 || *v > 0xFFFFFFFFLL) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

// A stream's tracks as DescriptionJson writes them: 1 to kMaxTracks.
std::optional<std::vector<TrackDescription>> readTracks(const Json& list) {
  if (!list.isArray() || list.size() == 0 || list.size() > kMaxTracks) return std::nullopt;
  std::vector<TrackDescription> tracks;
  for (const auto& t : list.items()) {
    auto track = DescriptionJson::readTrack(t);
    if (!track) return std::nullopt;
    tracks.push_back(std::move(*track));
  }
  return tracks;
}

// ICE credentials of ours as the owner chose them (RFC 8839 lengths, bounded).
bool validCredentials(const std::optional<std::string>& ufrag,
                      const std::optional<std::string>& password) {
  return ufrag && ufrag->size() >= 4 && ufrag->size() <= 64 && password && password->size() >= 22 &&
         password->size() <= 64;
}

}  // namespace

bool CascadeHost::handle(const std::string& from, const Json& c) {
  auto type = c.getString("type");
  bool done = false;
  if (!type) {
  } else if (*type == "mirror") {
    done = mirror(from, c);
  } else if (*type == "unmirror") {
    done = unmirror(from, c);
  } else if (*type == "subscribe") {
    done = subscribe(from, c);
  } else if (*type == "remote") {
    done = setRemote(from, c);
  } else if (*type == "unsubscribe") {
    done = unsubscribe(from, c);
  } else if (*type == "publish") {
    done = publish(from, c);
  } else if (*type == "publisherRemote") {
    done = publisherRemote(from, c);
  } else if (*type == "publisherTrack") {
    done = publisherTrack(from, c);
  } else if (*type == "unpublish") {
    done = unpublish(from, c);
  } else {
    done = setting(from, *type, c);
  }
  if (!done) {
    Logger::warn("media command from another node dropped",
                 {{"node", from}, {"type", type.value_or("")}});
    // A subscription that cannot be made here is reported closed, so that its owner does
    // not wait for it.
    auto sessionId = id(c, "session");
    auto subscriber = id(c, "subscriber");
    if (type == "subscribe" && sessionId && subscriber && link_)
      link_->send(from, Json::object({{"type", "closed"},
                                      {"session", *sessionId},
                                      {"subscriber", *subscriber},
                                      {"reason", "refused by the media node"}}));
    // Likewise a publication.
    auto stream = id(c, "stream");
    if (type == "publish" && sessionId && stream && link_)
      link_->send(from, Json::object({{"type", "unpublished"},
                                      {"session", *sessionId},
                                      {"stream", *stream},
                                      {"reason", "refused by the media node"}}));
  }
  return done;
}

CascadeHost::HostedSession* CascadeHost::session(const std::string& from, const Json& c,
                                                 bool create) {
  auto sessionId = id(c, "session");
  if (!sessionId) return nullptr;
  // Keys of two owners must never meet: an owner with '/' in its id could otherwise name
  // another's session ("a" + "b/c" and "a/b" + "c").
  if (from.empty() || from.find('/') != std::string::npos) return nullptr;
  const std::string k = routerKey(from, *sessionId);
  auto it = sessions_.find(k);
  if (it == sessions_.end()) {
    if (!create) return nullptr;
    it = sessions_.emplace(k, HostedSession{from, *sessionId, {}, {}, {}}).first;
  }
  if (it->second.owner != from || it->second.sessionId != *sessionId) return nullptr;
  return &it->second;
}

bool CascadeHost::mirror(const std::string& from, const Json& c) {
  auto stream = id(c, "stream");
  auto worker = c.getInt("worker");
  auto media = pipeId(c, "pipe");
  auto feedback = pipeId(c, "feedbackPipe");
  auto mediaKey = key(c, "key");
  auto feedbackKey = key(c, "feedbackKey");
  auto originIp = c.getString("originIp");
  auto originPort = c.getInt("originPort");
  const Json* tracksJson = c.find("tracks");
  if (!stream || !worker || *worker < 0 || static_cast<size_t>(*worker) >= workers_.size() ||
      !media || !feedback || !mediaKey || !feedbackKey || !originIp || !originPort ||
      *originPort <= 0 || *originPort > 65535 || !tracksJson || mirrorCount_ >= kMaxMirrors)
    return false;
  auto origin = net::SocketAddress::parse(*originIp, static_cast<uint16_t>(*originPort));
  auto tracks = readTracks(*tracksJson);
  if (!origin || !tracks) return false;
  HostedSession* s = session(from, c, true);
  if (!s) return false;
  const std::string k = routerKey(from, s->sessionId);
  if (s->mirrors.count(*stream)) removeMirror(*s, k, *stream);  // the owner made it anew
  s->mirrors[*stream] = {static_cast<unsigned>(*worker), *media};
  ++mirrorCount_;
  Worker* w = workers_[static_cast<size_t>(*worker)].get();
  const WorkerCommands::NodePipeKeys keys{*media, *mediaKey, *feedback, *feedbackKey};
  w->post(
      [w, k, streamId = *stream, tracks = std::move(*tracks), keys, origin = *origin]() mutable {
        if (!WorkerCommands::addNodeMirror(*w, k, streamId, std::move(tracks), keys, origin)) {
          // The mirror stays missing: its subscriptions are reported closed when they come.
          Logger::warn("no mirror of a stream from another node", {{"streamId", streamId}});
          w->removeRouterIfEmpty(k);
        }
      });
  Logger::info("stream mirrored from another node", {{"node", from},
                                                     {"sessionId", s->sessionId},
                                                     {"streamId", *stream},
                                                     {"worker", static_cast<long long>(*worker)}});
  return true;
}

bool CascadeHost::unmirror(const std::string& from, const Json& c) {
  HostedSession* s = session(from, c, false);
  auto stream = id(c, "stream");
  if (!s || !stream || !s->mirrors.count(*stream)) return false;
  const std::string k = routerKey(from, s->sessionId);
  removeMirror(*s, k, *stream);
  dropIfEmpty(k);
  return true;
}

void CascadeHost::removeMirror(HostedSession& s, const std::string& k,
                               const std::string& streamId) {
  auto it = s.mirrors.find(streamId);
  if (it == s.mirrors.end()) return;
  Worker* w = workers_[it->second.worker].get();
  const uint32_t pipe = it->second.pipeId;
  w->post([w, k, pipe] {
    if (Router* r = w->findRouter(k)) {
      r->removeNodePipe(pipe);
      w->removeRouterIfEmpty(k);
    }
  });
  s.mirrors.erase(it);
  --mirrorCount_;
}

bool CascadeHost::subscribe(const std::string& from, const Json& c) {
  WorkerCommands::NewSubscription order;
  auto stream = id(c, "stream");
  auto subscriber = id(c, "subscriber");
  auto worker = c.getInt("worker");
  auto ufrag = c.getString("ufrag");
  auto password = c.getString("password");
  auto audio = c.getBool("audio");
  auto video = c.getBool("video");
  const Json* ssrcs = c.find("ssrcs");
  const Json* trackIds = c.find("trackIds");
  if (!stream || !subscriber || !worker || *worker < 0 ||
      static_cast<size_t>(*worker) >= workers_.size() || !validCredentials(ufrag, password) ||
      !audio || !video || !ssrcs || !ssrcs->isArray() || !trackIds || !trackIds->isArray() ||
      ssrcs->size() > kMaxTracks || ssrcs->size() != trackIds->size() ||
      subscriptionCount_ >= kMaxSubscriptions)
    return false;
  for (size_t i = 0; i < ssrcs->size(); ++i) {
    const Json& ssrc = ssrcs->at(i);
    const Json& track = trackIds->at(i);
    if (!ssrc.isInteger() || ssrc.asInt() <= 0 || ssrc.asInt() > 0xFFFFFFFFLL ||
        !track.isString() || track.asString().size() > kMaxIdBytes)
      return false;
    order.ssrcs.push_back(static_cast<uint32_t>(ssrc.asInt()));
    order.trackIds.push_back(track.asString());
  }
  HostedSession* s = session(from, c, false);
  // Only onto a mirror this owner made here, on the worker it lives on.
  if (!s) return false;
  auto mirror = s->mirrors.find(*stream);
  if (mirror == s->mirrors.end() || mirror->second.worker != static_cast<unsigned>(*worker))
    return false;
  const std::string k = routerKey(from, s->sessionId);
  if (s->subscriptions.count(*subscriber)) removeSubscription(*s, k, *subscriber);
  s->subscriptions[*subscriber] = {static_cast<unsigned>(*worker), *stream};
  ++subscriptionCount_;
  order.routerKey = k;
  order.streamId = *stream;
  order.subscriberId = *subscriber;
  order.ufrag = *ufrag;
  order.password = *password;
  order.audio = *audio;
  order.video = *video;
  Worker* w = workers_[static_cast<size_t>(*worker)].get();
  w->post([w, order = std::move(order), certificate = certificate_] {
    WorkerCommands::addSubscription(*w, order, certificate);
  });
  return true;
}

Worker* CascadeHost::subscriptionWorker(const std::string& from, const Json& c, std::string& k,
                                        std::string& subscriberId) {
  HostedSession* s = session(from, c, false);
  auto subscriber = id(c, "subscriber");
  if (!s || !subscriber) return nullptr;
  auto it = s->subscriptions.find(*subscriber);
  if (it == s->subscriptions.end()) return nullptr;
  k = routerKey(from, s->sessionId);
  subscriberId = *subscriber;
  return workers_[it->second.worker].get();
}

bool CascadeHost::setRemote(const std::string& from, const Json& c) {
  std::string k, subscriberId;
  Worker* w = subscriptionWorker(from, c, k, subscriberId);
  const Json* remoteJson = c.find("remote");
  auto remote = remoteJson ? DescriptionJson::readTransport(*remoteJson) : std::nullopt;
  auto restart = c.getBool("restart");
  auto fromOffer = c.getBool("fromOffer");
  auto ufrag = c.getString("ufrag");
  auto password = c.getString("password");
  const Json* types = c.find("payloadTypes");
  if (!w || !remote || !restart || !fromOffer || !ufrag || ufrag->size() > 64 || !password ||
      password->size() > 64 || !types || !types->isObject() || types->keys().size() > kMaxTracks)
    return false;
  std::map<std::string, std::vector<uint8_t>> payloadTypes;
  for (size_t i = 0; i < types->keys().size(); ++i) {
    const Json& list = types->valueAt(i);
    if (!list.isArray() || list.size() > 64 || types->keys()[i].size() > kMaxIdBytes) return false;
    auto& out = payloadTypes[types->keys()[i]];
    for (const auto& pt : list.items()) {
      if (!pt.isInteger() || pt.asInt() < 0 || pt.asInt() > 127) return false;
      out.push_back(static_cast<uint8_t>(pt.asInt()));
    }
  }
  w->post([w, k, subscriberId, remote = *remote, restart = *restart, fromOffer = *fromOffer,
           ufrag = *ufrag, password = *password, payloadTypes = std::move(payloadTypes)] {
    Router* r = w->findRouter(k);
    if (Subscription* s = r ? r->subscription(subscriberId) : nullptr)
      WorkerCommands::setRemote(*w, *s, remote, restart, fromOffer, ufrag, password, payloadTypes);
  });
  return true;
}

bool CascadeHost::setting(const std::string& from, const std::string& type, const Json& c) {
  std::string k, subscriberId;
  Worker* w = subscriptionWorker(from, c, k, subscriberId);
  if (!w) return false;
  std::function<void(Subscription&)> apply;
  if (type == "track") {
    auto kind = c.getString("kind");
    auto active = c.getBool("active");
    if (!active || (kind != "audio" && kind != "video")) return false;
    const auto k2 = kind == "audio" ? sdp::MediaKind::Audio : sdp::MediaKind::Video;
    apply = [k2, on = *active](Subscription& s) { s.setEnabled(k2, on); };
  } else if (type == "fallback") {
    auto allowed = c.getBool("allowed");
    if (!allowed) return false;
    apply = [on = *allowed](Subscription& s) { s.setVideoFallback(on); };
  } else if (type == "frameRate") {
    auto fps = c.getNumber("fps");
    auto restricted = c.getBool("restricted");
    if (!fps || *fps < 0 || *fps > 1000 || !restricted) return false;
    apply = [fps = *fps, restricted = *restricted](Subscription& s) {
      s.setFrameRate(fps, restricted);
    };
  } else if (type == "size") {
    auto width = c.getInt("width");
    auto height = c.getInt("height");
    auto full = c.getInt("fullWidth");
    constexpr int64_t kMax = 100000;
    if (!width || !height || !full || *width < 0 || *width > kMax || *height < 0 ||
        *height > kMax || *full < 0 || *full > kMax)
      return false;
    apply = [width = static_cast<uint32_t>(*width), height = static_cast<uint32_t>(*height),
             full = static_cast<uint32_t>(*full)](Subscription& s) {
      s.setPreferredSize(width, height, full);
    };
  } else {
    return false;
  }
  w->post([w, k, subscriberId, apply = std::move(apply)] {
    Router* r = w->findRouter(k);
    if (Subscription* s = r ? r->subscription(subscriberId) : nullptr) apply(*s);
  });
  return true;
}

bool CascadeHost::unsubscribe(const std::string& from, const Json& c) {
  std::string k, subscriberId;
  if (!subscriptionWorker(from, c, k, subscriberId)) return false;
  HostedSession& s = sessions_.at(k);
  removeSubscription(s, k, subscriberId);
  dropIfEmpty(k);
  return true;
}

void CascadeHost::removeSubscription(HostedSession& s, const std::string& k,
                                     const std::string& subscriberId) {
  auto it = s.subscriptions.find(subscriberId);
  if (it == s.subscriptions.end()) return;
  Worker* w = workers_[it->second.worker].get();
  w->post([w, k, subscriberId] {
    if (Router* r = w->findRouter(k)) {
      r->removeSubscription(subscriberId);
      w->removeRouterIfEmpty(k);
    }
  });
  s.subscriptions.erase(it);
  --subscriptionCount_;
}

void CascadeHost::dropIfEmpty(const std::string& k) {
  auto it = sessions_.find(k);
  if (it != sessions_.end() && it->second.subscriptions.empty() && it->second.mirrors.empty() &&
      it->second.publications.empty())
    sessions_.erase(it);
}

void CascadeHost::subscriptionClosed(const std::string& k, const std::string& subscriberId,
                                     const std::string& reason) {
  auto it = sessions_.find(k);
  if (it == sessions_.end() || !it->second.subscriptions.count(subscriberId)) return;
  tell(k, Json::object({{"type", "closed"},
                        {"session", it->second.sessionId},
                        {"subscriber", subscriberId},
                        {"reason", reason}}));
  removeSubscription(it->second, k, subscriberId);
  dropIfEmpty(k);
}

void CascadeHost::subscriptionVideoSuspended(const std::string& k, const std::string& subscriberId,
                                             bool suspended) {
  auto it = sessions_.find(k);
  if (it == sessions_.end() || !it->second.subscriptions.count(subscriberId)) return;
  tell(k, Json::object({{"type", "suspended"},
                        {"session", it->second.sessionId},
                        {"subscriber", subscriberId},
                        {"suspended", suspended}}));
}

void CascadeHost::tell(const std::string& k, Json message) {
  auto it = sessions_.find(k);
  if (it != sessions_.end() && link_) link_->send(it->second.owner, message);
}

void CascadeHost::mirrorStarved(const std::string& k, const std::string& streamId,
                                uint32_t pipeId) {
  auto it = sessions_.find(k);
  if (it == sessions_.end()) return;
  HostedSession& s = it->second;
  auto mirror = s.mirrors.find(streamId);
  if (mirror == s.mirrors.end() || mirror->second.pipeId != pipeId) return;
  Logger::warn("stream from another node stopped arriving; its subscribers here are closed",
               {{"node", s.owner}, {"sessionId", s.sessionId}, {"streamId", streamId}});
  std::vector<std::string> fed;
  for (const auto& [subscriber, hosted] : s.subscriptions)
    if (hosted.stream == streamId) fed.push_back(subscriber);
  for (const auto& subscriber : fed) {
    tell(k, Json::object({{"type", "closed"},
                          {"session", s.sessionId},
                          {"subscriber", subscriber},
                          {"reason", "stream from the owner stopped arriving"}}));
    removeSubscription(s, k, subscriber);
  }
  removeMirror(s, k, streamId);
  dropIfEmpty(k);
}

void CascadeHost::keepOwners(const std::set<std::string>& live) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    HostedSession& s = it->second;
    const std::string k = it->first;
    ++it;
    if (live.count(s.owner)) continue;
    Logger::info("dropping media hosted for a node that left",
                 {{"node", s.owner}, {"sessionId", s.sessionId}});
    while (!s.subscriptions.empty()) removeSubscription(s, k, s.subscriptions.begin()->first);
    while (!s.mirrors.empty()) removeMirror(s, k, s.mirrors.begin()->first);
    while (!s.publications.empty()) removePublication(s, s.publications.begin()->first);
    sessions_.erase(k);
  }
}

// ---- publications whose transport the owner placed here

bool CascadeHost::publish(const std::string& from, const Json& c) {
  auto stream = id(c, "stream");
  auto worker = c.getInt("worker");
  auto ufrag = c.getString("ufrag");
  auto password = c.getString("password");
  const Json* remoteJson = c.find("remote");
  auto remote = remoteJson ? DescriptionJson::readTransport(*remoteJson) : std::nullopt;
  const Json* tracksJson = c.find("tracks");
  auto tracks = tracksJson ? readTracks(*tracksJson) : std::nullopt;
  auto media = pipeId(c, "pipe");
  auto feedback = pipeId(c, "feedbackPipe");
  auto mediaKey = key(c, "key");
  auto feedbackKey = key(c, "feedbackKey");
  auto targetIp = c.getString("targetIp");
  auto targetPort = c.getInt("targetPort");
  if (!stream || !worker || *worker < 0 || static_cast<size_t>(*worker) >= workers_.size() ||
      !validCredentials(ufrag, password) || !remote || !tracks || !media || !feedback ||
      !mediaKey || !feedbackKey || !targetIp || !targetPort || *targetPort <= 0 ||
      *targetPort > 65535 || publicationCount_ >= kMaxPublications)
    return false;
  // The pipe goes to the owner's worker, as the owner names it (nodes trust each other as
  // far as Redis is trusted: docs/cluster.md).
  auto target = net::SocketAddress::parse(*targetIp, static_cast<uint16_t>(*targetPort));
  if (!target) return false;
  HostedSession* s = session(from, c, true);
  if (!s) return false;
  const std::string k = routerKey(from, s->sessionId);
  const std::string pk = publisherRouterKey(from, s->sessionId);
  if (s->publications.count(*stream)) removePublication(*s, *stream);  // made anew
  s->publications[*stream] = static_cast<unsigned>(*worker);
  publisherRouters_[pk] = k;
  ++publicationCount_;
  Worker* w = workers_[static_cast<size_t>(*worker)].get();
  const WorkerCommands::NodePipeKeys keys{*media, *mediaKey, *feedback, *feedbackKey};
  w->post([w, pk, streamId = *stream, ufrag = *ufrag, password = *password, remote = *remote,
           tracks = std::move(*tracks), keys, target = *target,
           certificate = certificate_]() mutable {
    WorkerCommands::addPublication(*w, pk, streamId, ufrag, password, remote, std::move(tracks),
                                   certificate);
    if (!WorkerCommands::addNodePipe(*w, pk, streamId, keys, target)) {
      // Without its pipe the stream reaches nobody: closed, which the owner hears of.
      w->router(pk).removePublication(streamId);
      w->events().publicationClosed(pk, streamId, "no pipe to the owner");
    }
  });
  Logger::info("publisher transport hosted for another node",
               {{"node", from},
                {"sessionId", s->sessionId},
                {"streamId", *stream},
                {"worker", static_cast<long long>(*worker)}});
  return true;
}

Worker* CascadeHost::publicationWorker(const std::string& from, const Json& c, std::string& k,
                                       std::string& streamId) {
  HostedSession* s = session(from, c, false);
  auto stream = id(c, "stream");
  if (!s || !stream) return nullptr;
  auto it = s->publications.find(*stream);
  if (it == s->publications.end()) return nullptr;
  k = routerKey(from, s->sessionId);
  streamId = *stream;
  return workers_[it->second].get();
}

bool CascadeHost::publisherRemote(const std::string& from, const Json& c) {
  std::string k, streamId;
  Worker* w = publicationWorker(from, c, k, streamId);
  const Json* remoteJson = c.find("remote");
  auto remote = remoteJson ? DescriptionJson::readTransport(*remoteJson) : std::nullopt;
  auto ufrag = c.getString("ufrag");
  auto password = c.getString("password");
  if (!w || !remote || !validCredentials(ufrag, password)) return false;
  const std::string pk = publisherRouterKey(sessions_.at(k).owner, sessions_.at(k).sessionId);
  w->post([w, pk, streamId, remote = *remote, ufrag = *ufrag, password = *password] {
    Router* r = w->findRouter(pk);
    if (Publication* p = r ? r->publication(streamId) : nullptr)
      WorkerCommands::restartPublication(*w, *p, ufrag, password, remote);
  });
  return true;
}

bool CascadeHost::publisherTrack(const std::string& from, const Json& c) {
  std::string k, streamId;
  Worker* w = publicationWorker(from, c, k, streamId);
  auto kind = c.getString("kind");
  auto active = c.getBool("active");
  if (!w || !active || (kind != "audio" && kind != "video")) return false;
  const auto mediaKind = kind == "audio" ? sdp::MediaKind::Audio : sdp::MediaKind::Video;
  const std::string pk = publisherRouterKey(sessions_.at(k).owner, sessions_.at(k).sessionId);
  w->post([w, pk, streamId, mediaKind, paused = !*active] {
    Router* r = w->findRouter(pk);
    if (Publication* p = r ? r->publication(streamId) : nullptr) p->setPaused(mediaKind, paused);
  });
  return true;
}

bool CascadeHost::unpublish(const std::string& from, const Json& c) {
  std::string k, streamId;
  if (!publicationWorker(from, c, k, streamId)) return false;
  removePublication(sessions_.at(k), streamId);
  dropIfEmpty(k);
  return true;
}

void CascadeHost::removePublication(HostedSession& s, const std::string& streamId) {
  auto it = s.publications.find(streamId);
  if (it == s.publications.end()) return;
  Worker* w = workers_[it->second].get();
  const std::string pk = publisherRouterKey(s.owner, s.sessionId);
  w->post([w, pk, streamId] {
    if (Router* r = w->findRouter(pk)) {
      r->removePublication(streamId);  // its pipe to the owner with it
      w->removeRouterIfEmpty(pk);
    }
  });
  s.publications.erase(it);
  --publicationCount_;
  if (s.publications.empty()) publisherRouters_.erase(pk);
}

void CascadeHost::publicationConnected(const std::string& pk, const std::string& streamId) {
  auto r = publisherRouters_.find(pk);
  if (r == publisherRouters_.end()) return;
  auto it = sessions_.find(r->second);
  if (it == sessions_.end() || !it->second.publications.count(streamId)) return;
  tell(r->second,
       Json::object(
           {{"type", "published"}, {"session", it->second.sessionId}, {"stream", streamId}}));
}

void CascadeHost::publicationClosed(const std::string& pk, const std::string& streamId,
                                    const std::string& reason) {
  auto r = publisherRouters_.find(pk);
  if (r == publisherRouters_.end()) return;
  const std::string k = r->second;
  auto it = sessions_.find(k);
  if (it == sessions_.end() || !it->second.publications.count(streamId)) return;
  tell(k, Json::object({{"type", "unpublished"},
                        {"session", it->second.sessionId},
                        {"stream", streamId},
                        {"reason", reason}}));
  removePublication(it->second, streamId);
  dropIfEmpty(k);
}

}  // namespace parley::media
