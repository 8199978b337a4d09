#include "media/CascadeHost.h"

#include <cstring>

#include "core/Crypto.h"
#include "media/DescriptionJson.h"
#include "media/MediaPipe.h"
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
    it = sessions_.emplace(k, HostedSession{from, *sessionId, {}, {}}).first;
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
      *originPort <= 0 || *originPort > 65535 || !tracksJson || !tracksJson->isArray() ||
      tracksJson->size() == 0 || tracksJson->size() > kMaxTracks || mirrorCount_ >= kMaxMirrors)
    return false;
  auto origin = net::SocketAddress::parse(*originIp, static_cast<uint16_t>(*originPort));
  if (!origin) return false;
  std::vector<TrackDescription> tracks;
  for (const auto& t : tracksJson->items()) {
    auto track = DescriptionJson::readTrack(t);
    if (!track) return false;
    tracks.push_back(std::move(*track));
  }
  HostedSession* s = session(from, c, true);
  if (!s) return false;
  const std::string k = routerKey(from, s->sessionId);
  if (s->mirrors.count(*stream)) removeMirror(*s, k, *stream);  // the owner made it anew
  std::shared_ptr<MediaPipe> pipe;
  try {
    pipe = std::make_shared<MediaPipe>();
  } catch (const std::exception& e) {
    Logger::warn("no pipe for a stream from another node", {{"error", e.what()}});
    dropIfEmpty(k);
    return false;
  }
  s->mirrors[*stream] = {static_cast<unsigned>(*worker), *media};
  ++mirrorCount_;
  Worker* w = workers_[static_cast<size_t>(*worker)].get();
  w->post([w, k, streamId = *stream, tracks = std::move(tracks), pipe, media = *media,
           feedback = *feedback, mediaKey = *mediaKey, feedbackKey = *feedbackKey,
           origin = *origin]() mutable {
    auto receiveCodec = NodePipeCodec::create(NodePipeCodec::Direction::Receive, media, mediaKey);
    auto feedbackCodec =
        NodePipeCodec::create(NodePipeCodec::Direction::Send, feedback, feedbackKey);
    if (!receiveCodec || !feedbackCodec) return;  // OpenSSL failed; the mirror stays silent
    auto receiver = std::make_unique<NodePipeReceiver>(std::move(receiveCodec), pipe, origin,
                                                       &w->counters().nodePipeReceived);
    receiver->enableFeedback(std::move(feedbackCodec), *w);
    Router& r = w->router(k);
    if (!r.addNodeMirror(streamId, std::move(tracks), std::move(receiver), pipe))
      Logger::warn("pipe id of another node taken", {{"streamId", streamId}});
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
      static_cast<size_t>(*worker) >= workers_.size() || !ufrag || ufrag->size() < 4 ||
      ufrag->size() > 64 || !password || password->size() < 22 || password->size() > 64 || !audio ||
      !video || !ssrcs || !ssrcs->isArray() || !trackIds || !trackIds->isArray() ||
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
  if (it != sessions_.end() && it->second.subscriptions.empty() && it->second.mirrors.empty())
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
    sessions_.erase(k);
  }
}

}  // namespace parley::media
