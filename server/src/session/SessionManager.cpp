#include "session/SessionManager.h"

#include <chrono>

#include "core/ClientId.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "obs/Logger.h"
#include "session/ChannelFilter.h"

namespace parley::session {

namespace {

// A channel's preferredFrameRate: a number from 0 (none) to 120; nullopt when absent or not.
std::optional<double> frameRateOf(const core::Json& channel) {
  const core::Json* v = channel.find("preferredFrameRate");
  if (v && v->isNull()) return 0.0;  // cleared
  if (!v || !v->isNumber()) return std::nullopt;
  const double fps = v->asDouble();
  if (!(fps >= 0 && fps <= 120)) return std::nullopt;
  return fps;
}

using core::Json;
using obs::Logger;

bool isSignalTypeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

std::vector<std::string> splitSpaces(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t j = s.find(' ', i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

double steadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

bool isJsepMethod(std::string_view m) {
  return m == "offer" || m == "answer" || m == "pranswer" || m == "candidate";
}

}  // namespace

SessionManager::SessionManager(store::Store& store, SessionLimits limits,
                               core::TokenVerifier::SecretLookup secrets, Clock clock)
    : store_(store),
      limits_(limits),
      secrets_(std::move(secrets)),
      clock_(clock ? std::move(clock) : steadySeconds) {}

LiveSession* SessionManager::findSession(std::string_view sessionId) {
  auto it = sessions_.find(sessionId);
  return it == sessions_.end() ? nullptr : it->second.get();
}

const LiveSession* SessionManager::session(std::string_view sessionId) const {
  auto it = sessions_.find(sessionId);
  return it == sessions_.end() ? nullptr : it->second.get();
}

LiveSession* SessionManager::sessionOf(std::string_view connectionId) {
  auto it = connectionSession_.find(connectionId);
  return it == connectionSession_.end() ? nullptr : findSession(it->second);
}

void SessionManager::send(const std::string& connectionId, const OutboundMessage& message) {
  if (auto local = localClients_.find(connectionId); local != localClients_.end()) {
    local->second(message);
    return;
  }
  if (output_) output_->send(connectionId, message);
}

void SessionManager::broadcast(LiveSession& s, const OutboundMessage& message, bool connectionEvent,
                               std::string_view subject) {
  std::vector<std::string> to;
  to.reserve(s.connectionOrder.size());
  for (const auto& id : s.connectionOrder) {
    const Connection& c = s.connections.at(id);
    if (connectionEvent && c.eventsSuppressed && c.id != subject) continue;
    to.push_back(id);
  }
  if (output_) output_->sendToMany(to, message);
}

void SessionManager::notifySession(std::string_view sessionId, const OutboundMessage& message) {
  if (LiveSession* s = findSession(sessionId)) broadcast(*s, message);
}

void SessionManager::sendAfterReply(const std::string& connectionId, OutboundMessage message) {
  deferred_.emplace_back(connectionId, std::move(message));
}

void SessionManager::sendDeferred() {
  auto pending = std::move(deferred_);
  deferred_.clear();
  for (auto& [to, message] : pending)
    if (connectionSession_.count(to)) send(to, message);
}

void SessionManager::setMedia(media::MediaService* media) {
  media_ = media;
  if (media_) media_->setEvents(this);
}

bool SessionManager::routed(const LiveSession& s) const {
  return s.record.properties.mediaMode == core::MediaMode::Routed;
}

void SessionManager::sendNegotiation(const std::string& to, const std::string& uri,
                                     const std::string& method,
                                     const media::MediaService::Negotiation& n,
                                     const std::string& peerId) {
  const std::string from(kServerAddress);
  sendAfterReply(
      to,
      OutboundMessage{
          from, method, uri,
          Json::object(
              {{"type", method}, {"sdp", n.sdp}, {"peerId", peerId}, {"sourceStreamId", "MANTIS"}}),
          std::nullopt});
  for (const auto& c : n.candidates) {
    sendAfterReply(to, OutboundMessage{from, "candidate", uri,
                                       Json::object({{"candidate", c},
                                                     {"sdpMid", n.sdpMid},
                                                     {"sdpMLineIndex", 0},
                                                     {"peerId", peerId},
                                                     {"sourceStreamId", "MANTIS"}}),
                                       std::nullopt});
  }
}

Json SessionManager::connectionObject(const LiveSession& s, std::string_view connectionId) const {
  const Connection* c = s.connection(connectionId);
  return c ? c->toJson() : Json::object({{"id", connectionId}});
}

// ---------------------------------------------------------------- connect

Reply SessionManager::connect(const std::string& connectionId, std::string_view token,
                              const InboundRequest& r) {
  if (!core::isValidClientId(connectionId) || r.param("connection") != connectionId)
    return Reply::error(400, "invalidConnectionId");
  auto verified = core::TokenVerifier::verify(token, secrets_, core::Clock::nowSeconds());
  if (!verified) {
    Logger::info("connect refused: bad token",
                 {{"connectionId", connectionId}, {"reason", verified.error().message}});
    return Reply::error(403, "invalidToken");
  }
  const auto& claims = verified.value();
  const std::string sessionId = r.param("session");
  if (claims.sessionId != sessionId || claims.apiKey != r.param("partner")) {
    Logger::info("connect refused: token for another session", {{"connectionId", connectionId}});
    return Reply::error(403, "invalidToken");
  }

  LiveSession* s = findSession(sessionId);
  if (!s) {
    auto record = store_.findSession(sessionId);
    if (!record || record->apiKey != claims.apiKey) return Reply::error(404, "sessionNotFound");
    auto live = std::make_unique<LiveSession>();
    live->record = *record;
    s = live.get();
    sessions_.emplace(sessionId, std::move(live));
  }

  auto owner = connectionSession_.find(connectionId);
  bool retry = owner != connectionSession_.end();
  if (retry && owner->second != sessionId) {
    Logger::warn("connect refused: connection id in use in another session",
                 {{"connectionId", connectionId}, {"sessionId", sessionId}});
    return Reply::error(409, "connectionIdInUse");
  }
  if (retry) {
    // A repeated create (the client's connect retry) must carry the same identity: a
    // connection id is public, so another token for the session proves nothing, even one
    // with equal claims (apps often give everyone the same role and no data).
    const Connection* existing = s->connection(connectionId);
    if (!existing || existing->apiKey != claims.apiKey || existing->role != claims.role ||
        existing->data != claims.connectionData ||
        !core::Crypto::constantTimeEquals(existing->tokenDigest, core::Crypto::sha256(token))) {
      Logger::warn("connect refused: connection id in use with another identity",
                   {{"connectionId", connectionId}, {"sessionId", sessionId}});
      return Reply::error(403, "connectionIdInUse");
    }
  }
  if (!retry) {
    if (s->connections.size() >= limits_.maxConnectionsPerSession) {
      if (s->connections.empty()) sessions_.erase(sessionId);
      return Reply::error(409, "connectionLimitExceeded");
    }
    Connection c;
    c.id = connectionId;
    c.sessionId = sessionId;
    c.apiKey = claims.apiKey;
    c.role = claims.role;
    c.data = claims.connectionData;
    c.tokenDigest = core::Crypto::sha256(token);
    c.initialLayoutClasses = splitSpaces(claims.initialLayoutClassList);
    c.creationTime = core::Clock::nowMs();
    c.eventsSuppressed = r.content.getBool("connectionEventsSuppressed").value_or(false);
    c.userAgent = r.content.getString("userAgent").value_or("").substr(0, limits_.maxUserAgent);
    if (const Json* caps = r.content.find("capabilities"); caps && caps->isArray())
      for (const auto& cap : caps->items())
        if (cap.isString() && cap.asString().size() <= 32 &&
            c.capabilities.size() < limits_.maxCapabilities)
          c.capabilities.push_back(cap.asString());
    c.serialized = c.toJson().dump();
    s->connections.emplace(connectionId, std::move(c));
    s->connectionOrder.push_back(connectionId);
    connectionSession_[connectionId] = sessionId;
    signalBuckets_[connectionId] = RateBucket{limits_.signalBurst, clock_()};
    Logger::info("connection created",
                 {{"sessionId", sessionId},
                  {"connectionId", connectionId},
                  {"role", core::roleName(claims.role)},
                  {"connections", static_cast<long long>(s->connections.size())}});
  }

  // Session state (docs/protocol.md §7.4): every connection and stream, archives, mute state.
  Json connections = Json::array();
  for (const auto& id : s->connectionOrder) connections.push(s->connections.at(id).stateJson());
  Json streams = Json::array();
  for (const auto& id : s->streamOrder) {
    const Stream& st = s->streams.at(id);
    if (st.announced) streams.push(st.toJson(connectionObject(*s, st.connectionId), routed(*s)));
  }
  Json state =
      Json::object({{"connection", connections},
                    {"stream", streams},
                    {"archive", archiveState_ ? archiveState_(sessionId) : Json::array()}});
  if (s->muteAllActive) state.set("mute", Json::object({{"active", true}}));

  const Connection& self = s->connections.at(connectionId);
  OutboundMessage created{std::string(kServerAddress), "created", s->connectionUri(connectionId),
                          self.toJson(), std::nullopt};
  if (retry) {
    send(connectionId, created);  // a retried connect still waits for its own `created`
  } else {
    broadcast(*s, created, true, connectionId);
    for (auto* l : listeners_) l->connectionCreated(self);
  }
  return Reply::ok(state);
}

// ---------------------------------------------------------------- dispatch

Reply SessionManager::handle(const std::string& connectionId, const InboundRequest& r) {
  LiveSession* s = sessionOf(connectionId);
  if (!s) return Reply::error(403, "notConnected");
  if (r.param("session") != s->record.sessionId || r.param("partner") != s->record.apiKey)
    return Reply::error(403, "wrongSession");
  const Connection self = s->connections.at(connectionId);  // copy: handlers may remove it

  const std::string& m = r.method;
  const std::string& res = r.resource;
  if (res == "connection" && m == "delete") return onConnectionDelete(*s, self, r);
  if (res == "stream" && m == "create") return onStreamCreate(*s, self, r);
  if (res == "stream" && m == "delete") return onStreamDelete(*s, self, r);
  if (res == "stream" && m == "update") return onStreamUpdate(*s, self, r);
  if (res == "stream_channel" && m == "update") return onChannelUpdate(*s, self, r);
  if (res == "subscriber" && m == "create") return onSubscriberCreate(*s, self, r);
  if (res == "subscriber" && m == "delete") return onSubscriberDelete(*s, self, r);
  if ((res == "subscriber" || res == "stream") && isJsepMethod(m)) return onJsep(*s, self, r);
  if (res == "signal" && m == "signal") return onSignal(*s, self, r);
  if (res == "subscriber_channel" && m == "update") return onSubscriberChannelUpdate(*s, self, r);
  if (res == "session" && m == "update") return onSessionUpdate(*s, self, r);
  // Subscriber channel changes, sender stats, migration hooks…: acknowledged so that
  // nothing stays pending in the client (docs/protocol.md §7.2).
  return Reply::ok();
}

// ---------------------------------------------------------------- connections

Reply SessionManager::onConnectionDelete(LiveSession& s, const Connection& self,
                                         const InboundRequest& r) {
  std::string target = r.param("connection");
  if (target == self.id) return removeConnection(s, self.id, "clientDisconnected", false);
  if (!core::isModerator(self.role)) return Reply::error(403, "forbidden");
  if (!s.connection(target)) return Reply::error(404, "notFound");
  Logger::info("force disconnect",
               {{"sessionId", s.record.sessionId}, {"by", self.id}, {"target", target}});
  return removeConnection(s, target, "forceDisconnected", true);
}

void SessionManager::disconnect(const std::string& connectionId, const std::string& reason) {
  LiveSession* s = sessionOf(connectionId);
  if (s) removeConnection(*s, connectionId, reason, false);
}

Reply SessionManager::removeConnection(LiveSession& s, const std::string& connectionId,
                                       const std::string& reason, bool forced) {
  if (!s.connection(connectionId)) return Reply::error(404, "notFound");
  // Its subscriptions, then its streams, then the connection itself (docs/protocol.md §7.6.5).
  std::vector<std::string> subs;
  for (const auto& [id, sub] : s.subscribers)
    if (sub.connectionId == connectionId) subs.push_back(id);
  for (const auto& id : subs) removeSubscriber(s, id);
  std::vector<std::string> owned;
  for (const auto& id : s.streamOrder)
    if (s.streams.at(id).connectionId == connectionId) owned.push_back(id);
  for (const auto& id : owned) removeStream(s, id, reason);

  Connection gone = s.connections.at(connectionId);
  OutboundMessage deleted{std::string(kServerAddress), "deleted", s.connectionUri(connectionId),
                          Json::object(), reason};
  // A forced disconnect is also told to its target, whose client then leaves by itself.
  broadcast(s, deleted, true, forced ? std::string_view(connectionId) : std::string_view());
  s.connections.erase(connectionId);
  std::erase(s.connectionOrder, connectionId);
  connectionSession_.erase(connectionId);
  signalBuckets_.erase(connectionId);
  if (forced && output_) output_->detach(connectionId);
  Logger::info(
      "connection deleted",
      {{"sessionId", s.record.sessionId}, {"connectionId", connectionId}, {"reason", reason}});
  for (auto* l : listeners_) l->connectionDestroyed(gone, reason);
  if (s.connections.empty()) sessions_.erase(s.record.sessionId);  // `s` is gone after this
  return Reply::ok();
}

// ---------------------------------------------------------------- streams

// A client encrypts end to end exactly when the session does (its `e2ee` flag); otherwise its
// media could not be read by the others, so OpenTok's server refuses it (docs/protocol.md §8.7).
bool SessionManager::encryptionMatches(const LiveSession& s, const InboundRequest& r) {
  return r.content.getBool("e2ee").value_or(false) == s.record.properties.e2ee;
}

Reply SessionManager::onStreamCreate(LiveSession& s, const Connection& self,
                                     const InboundRequest& r) {
  if (!core::canPublish(self.role)) return Reply::error(403, "forbiddenConnection");
  std::string streamId = r.param("stream");
  if (!core::isValidClientId(streamId)) return Reply::error(400, "invalidStreamId");
  if (s.streams.count(streamId)) return Reply::error(409, "streamExists");
  if (s.streams.size() >= limits_.maxStreamsPerSession)
    return Reply::error(409, "streamLimitExceeded");
  if (routed(s) && !media_) return Reply::error(409, "routedMediaUnavailable");
  if (!encryptionMatches(s, r)) return Reply::error(405, "IncompatibleEncryptionSettings");

  Stream st;
  st.id = streamId;
  st.connectionId = self.id;
  st.creationTime = core::Clock::nowMs();
  st.layoutClassList = self.initialLayoutClasses;
  const Json& c = r.content;
  st.name = c.getString("name").value_or("");
  if (st.name.size() > 1000) return Reply::error(400, "invalidName");
  if (const Json* channels = c.find("channel"); channels && channels->isArray()) {
    if (channels->items().size() > ChannelFilter::kMaxChannels)
      return Reply::error(400, "tooManyChannels");
    for (const auto& ch : channels->items()) {
      auto channel = ChannelFilter::channel(ch);
      if (!channel) return Reply::error(400, "invalidChannel");
      if (st.channel(channel->getString("id").value_or("")))
        return Reply::error(400, "invalidChannel");
      st.channels.push(std::move(*channel));
    }
  }
  for (const char* key : {"publisherAudioFallbackEnabled", "subscriberAudioFallbackEnabled",
                          "customProperties", "minBitrate", "e2ee"}) {
    if (const Json* v = c.find(key)) st.extra.set(key, *v);
  }
  if (st.extra.dump().size() > limits_.maxStreamPropertiesBytes)
    return Reply::error(413, "tooLarge");
  Logger::info(
      "stream created",
      {{"sessionId", s.record.sessionId}, {"streamId", streamId}, {"connectionId", self.id}});
  if (routed(s)) {
    // Routed: the publisher negotiates with the SFU first; everyone hears of the stream
    // once its media reaches the SFU (docs/protocol.md §7.6.1, §8.2).
    st.peerId = core::Crypto::uuid4();
    // Camera video is sent in simulcast layers the SFU picks from per subscriber (docs/protocol.md
    // §8.6); screen shares stay single-layer, as OpenTok.js does by default.
    const Json* video = st.channel("video1");
    const bool simulcast = video && video->getString("source").value_or("camera") == "camera";
    s.streams.emplace(streamId, st);
    s.streamOrder.push_back(streamId);
    sendAfterReply(self.id, OutboundMessage{std::string(kServerAddress), "generateoffer",
                                            s.streamUri(streamId),
                                            Json::object({{"peerId", st.peerId},
                                                          {"sourceStreamId", "MANTIS"},
                                                          {"simulcastEnabled", simulcast}}),
                                            std::nullopt});
    return Reply::ok();
  }
  s.streams.emplace(streamId, st);
  s.streamOrder.push_back(streamId);
  announceStream(
      s, s.streams.at(streamId));  // relayed: no media to wait for (docs/protocol.md §8.4 step 1)
  return Reply::ok();
}

void SessionManager::announceStream(LiveSession& s, Stream& st) {
  if (st.announced) return;
  st.announced = true;
  const Connection* owner = s.connection(st.connectionId);
  if (!owner) return;
  broadcast(s, OutboundMessage{std::string(kServerAddress), "created", s.streamUri(st.id),
                               st.toJson(owner->toJson(), routed(s)), std::nullopt});
  // A session under force-mute makes new publishers start muted (docs/protocol.md §7.8.3).
  if (s.muteAllActive && !s.muteExclusions.count(st.id)) sendMute(s, st);
  for (auto* l : listeners_) l->streamCreated(st, *owner);
}

void SessionManager::publicationReady(const std::string& sessionId, const std::string& streamId) {
  LiveSession* s = findSession(sessionId);
  if (!s) return;
  auto it = s->streams.find(streamId);
  if (it == s->streams.end()) return;
  Logger::info("stream media connected", {{"sessionId", sessionId}, {"streamId", streamId}});
  announceStream(*s, it->second);
}

void SessionManager::publicationFailed(const std::string& sessionId, const std::string& streamId,
                                       const std::string& reason) {
  LiveSession* s = findSession(sessionId);
  if (!s || !s->stream(streamId)) return;
  Logger::info("stream media lost",
               {{"sessionId", sessionId}, {"streamId", streamId}, {"reason", reason}});
  removeStream(*s, streamId, "mediaStopped");
}

void SessionManager::subscriberVideoSuspended(const std::string& sessionId,
                                              const std::string& subscriberId, bool suspended) {
  LiveSession* s = findSession(sessionId);
  if (!s) return;
  auto it = s->subscribers.find(subscriberId);
  if (it == s->subscribers.end()) return;
  const Stream* st = s->stream(it->second.streamId);
  if (!st) return;
  std::string videoChannel = "video1";
  for (const auto& ch : st->channels.items())
    if (ch.getString("type") == "video") videoChannel = ch.getString("id").value_or(videoChannel);
  Logger::info(suspended ? "subscriber video stopped for bandwidth"
                         : "subscriber video resumed after a bandwidth stop",
               {{"sessionId", sessionId}, {"subscriberId", subscriberId}});
  // OpenTok's media server sends this on the subscriber's channel: the client turns the
  // video off or on and fires videoDisabled / videoEnabled with reason "quality"
  // (docs/protocol.md §8.6).
  send(it->second.connectionId,
       OutboundMessage{
           std::string(kServerAddress), "update",
           s->subscriberUri(it->second.streamId, subscriberId) + "/channel/" + videoChannel,
           Json::object({{"active", !suspended}}), std::nullopt});
}

void SessionManager::subscriptionFailed(const std::string& sessionId,
                                        const std::string& subscriberId,
                                        const std::string& reason) {
  LiveSession* s = findSession(sessionId);
  if (!s) return;
  Logger::info("subscriber media lost",
               {{"sessionId", sessionId}, {"subscriberId", subscriberId}, {"reason", reason}});
  s->subscribers.erase(subscriberId);
}

Reply SessionManager::onStreamDelete(LiveSession& s, const Connection& self,
                                     const InboundRequest& r) {
  std::string streamId = r.param("stream");
  const Stream* st = s.stream(streamId);
  if (!st) return Reply::error(404, "notFound");
  if (st->connectionId == self.id) {
    removeStream(s, streamId, "clientDisconnected");
    return Reply::ok();
  }
  if (!core::isModerator(self.role)) return Reply::error(403, "forbidden");
  Logger::info("force unpublish",
               {{"sessionId", s.record.sessionId}, {"by", self.id}, {"streamId", streamId}});
  removeStream(s, streamId, "forceUnpublished");
  return Reply::ok();
}

void SessionManager::removeStream(LiveSession& s, const std::string& streamId,
                                  const std::string& reason) {
  auto it = s.streams.find(streamId);
  if (it == s.streams.end()) return;
  std::vector<std::string> subs;
  for (const auto& [id, sub] : s.subscribers)
    if (sub.streamId == streamId) subs.push_back(id);
  for (const auto& id : subs) {
    if (media_ && routed(s)) media_->unsubscribe(s.record.sessionId, id);
    s.subscribers.erase(id);  // everyone drops the stream below
  }
  if (media_ && routed(s)) media_->unpublish(s.record.sessionId, streamId);
  Stream gone = std::move(it->second);
  s.streams.erase(it);
  std::erase(s.streamOrder, streamId);
  if (gone.announced)
    broadcast(s, OutboundMessage{std::string(kServerAddress), "deleted", s.streamUri(streamId),
                                 Json::object(), reason});
  Logger::info("stream deleted",
               {{"sessionId", s.record.sessionId}, {"streamId", streamId}, {"reason", reason}});
  if (!listeners_.empty()) {
    const Connection* owner = s.connection(gone.connectionId);
    if (owner)
      for (auto* l : listeners_) l->streamDestroyed(gone, *owner, reason);
  }
}

Reply SessionManager::onStreamUpdate(LiveSession& s, const Connection& self,
                                     const InboundRequest& r) {
  if (r.content.getString("reason") != "mute") return Reply::ok();
  if (!core::isModerator(self.role)) return Reply::error(403, "forbidden");
  const Stream* st = s.stream(r.param("stream"));
  if (!st) return Reply::error(404, "notFound");
  sendMute(s, *st);
  return Reply::ok();
}

void SessionManager::sendMute(LiveSession& s, const Stream& stream) {
  Json content =
      Json::object({{"reason", "mute"}, {"active", true}, {"channels", Json::array({"audio"})}});
  // Routed: the SFU stops forwarding the audio now, whatever the client does.
  if (media_ && routed(s))
    media_->setPublisherTrack(s.record.sessionId, stream.id, media::TrackKind::Audio, false);
  send(stream.connectionId, OutboundMessage{std::string(kServerAddress), "update",
                                            s.streamUri(stream.id), content, std::nullopt});
}

Reply SessionManager::onChannelUpdate(LiveSession& s, const Connection& self,
                                      const InboundRequest& r) {
  auto it = s.streams.find(r.param("stream"));
  if (it == s.streams.end()) return Reply::error(404, "notFound");
  if (it->second.connectionId != self.id) return Reply::error(403, "forbidden");
  Json* channel = it->second.channel(r.param("channel"));
  if (!channel) return Reply::error(404, "notFound");
  // Only known attributes, as short scalars, are stored and echoed (never id or type).
  const Json update = ChannelFilter::update(r.content);
  const std::string type = channel->getString("type").value_or("");
  // Publisher audio fallback (docs/protocol.md §8.6): OpenTok.js turns its own video off or on
  // for bandwidth and says so with activeReason "auto". Each subscriber hears it first on its
  // subscriber channel (so its app gets videoDisabled/videoEnabled with reason "quality"); in a
  // relayed session only the subscriber of that peer connection, and nobody else.
  const auto active = update.getBool("active");
  const bool fallback = type == "video" && active && r.content.getString("activeReason") == "auto";
  if (fallback) {
    const auto only = r.content.getString("subscriberId");
    for (const auto& [subId, sub] : s.subscribers) {
      if (sub.streamId != it->first || (only && *only != subId)) continue;
      send(sub.connectionId,
           OutboundMessage{std::string(kServerAddress), "update",
                           s.subscriberUri(it->first, subId) + "/channel/" + r.param("channel"),
                           Json::object({{"active", *active}}), std::nullopt});
    }
    if (only) return Reply::ok();
  }
  for (std::size_t i = 0; i < update.keys().size(); ++i)
    channel->set(update.keys()[i], update.valueAt(i));
  if (media_ && routed(s) && active && (type == "audio" || type == "video"))
    media_->setPublisherTrack(s.record.sessionId, it->first,
                              type == "audio" ? media::TrackKind::Audio : media::TrackKind::Video,
                              *active);
  if (active && type == "video")
    for (auto* l : listeners_) l->streamChanged(it->second, self);
  // Echo to everyone, the publisher included: its own streamPropertyChanged comes from it.
  // Without the publisher's own bookkeeping (why, congestion level, which peer connection):
  // receivers stop reading a channel update at the first key they do not know.
  Json echo = Json::object();
  for (std::size_t i = 0; i < update.keys().size(); ++i) {
    const std::string& key = update.keys()[i];
    if (key != "activeReason" && key != "congestionLevel" && key != "subscriberId")
      echo.set(key, update.valueAt(i));
  }
  broadcast(s, OutboundMessage{std::string(kServerAddress), "updated", r.uri, echo, std::nullopt});
  return Reply::ok();
}

// ---------------------------------------------------------------- subscribers and JSEP

Reply SessionManager::onSubscriberCreate(LiveSession& s, const Connection& self,
                                         const InboundRequest& r) {
  if (!core::canSubscribe(self.role)) return Reply::error(403, "forbiddenConnection");
  std::string streamId = r.param("stream");
  std::string subscriberId = r.param("subscriber");
  const Stream* st = s.stream(streamId);
  if (!st || !st->announced) return Reply::error(404, "streamNotFound");
  if (!core::isValidClientId(subscriberId)) return Reply::error(400, "invalidSubscriberId");
  if (s.subscribers.count(subscriberId)) return Reply::error(409, "subscriberExists");
  // One subscription per connection and stream: more would only multiply the publisher's
  // (or the SFU's) work for the same media.
  for (const auto& [id, other] : s.subscribers)
    if (other.connectionId == self.id && other.streamId == streamId)
      return Reply::error(409, "alreadySubscribed");
  if (s.subscribers.size() >= limits_.maxSubscribersPerSession)
    return Reply::error(409, "subscriberLimitExceeded");
  if (!encryptionMatches(s, r)) return Reply::error(405, "IncompatibleEncryptionSettings");

  Subscriber sub;
  sub.id = subscriberId;
  sub.streamId = streamId;
  sub.connectionId = self.id;
  sub.peerId = core::Crypto::uuid4();
  if (const Json* channels = r.content.find("channel"); channels && channels->isArray())
    sub.channels = *channels;
  if (routed(s)) {
    if (!media_) return Reply::error(409, "routedMediaUnavailable");
    bool audio = true, video = true;
    for (const auto& ch : sub.channels.items()) {
      if (!ch.isObject()) continue;
      bool active = ch.getBool("active").value_or(true);
      if (ch.getString("type") == "audio") audio = active;
      if (ch.getString("type") != "video") continue;
      video = active;
      sub.preferredFrameRate = frameRateOf(ch).value_or(0);
      sub.restrictFrameRate = ch.getBool("restrictFrameRate").value_or(false);
    }
    auto n = media_->subscribe(s.record.sessionId, streamId, subscriberId, audio, video);
    if (!n.ok) {
      Logger::warn("subscribe: no media", {{"streamId", streamId}, {"error", n.error}});
      return Reply::error(404, "streamNotFound");
    }
    s.subscribers[subscriberId] = sub;
    // Audio fallback as the publisher asked (OpenTok.js: on for cameras, off for screens).
    const Json* fallback = st->extra.find("subscriberAudioFallbackEnabled");
    const bool allowFallback =
        fallback && fallback->isBool() ? fallback->asBool() : st->videoType() != "screen";
    if (allowFallback) media_->setSubscriberVideoFallback(s.record.sessionId, subscriberId, true);
    if (sub.preferredFrameRate > 0 || sub.restrictFrameRate)
      media_->setSubscriberFrameRate(s.record.sessionId, subscriberId, sub.preferredFrameRate,
                                     sub.restrictFrameRate);
    // The SFU offers; its audio and video share one msid stream (docs/protocol.md §8.3 step 2).
    sendNegotiation(self.id, s.subscriberUri(streamId, subscriberId), "offer", n, sub.peerId);
    return Reply::ok();
  }
  s.subscribers[subscriberId] = sub;
  // Relayed: the publisher makes one peer connection per subscriber (docs/protocol.md §8.4 step 3).
  send(st->connectionId,
       OutboundMessage{self.id, "generateoffer", s.subscriberUri(streamId, subscriberId),
                       Json::object({{"peerId", sub.peerId}, {"sourceStreamId", "P2P"}}),
                       std::nullopt});
  return Reply::ok();
}

Reply SessionManager::onSubscriberDelete(LiveSession& s, const Connection& self,
                                         const InboundRequest& r) {
  auto it = s.subscribers.find(r.param("subscriber"));
  if (it == s.subscribers.end()) return Reply::ok();  // already gone: deleting is idempotent
  if (it->second.connectionId != self.id) return Reply::error(403, "forbidden");
  removeSubscriber(s, it->first);
  return Reply::ok();
}

void SessionManager::removeSubscriber(LiveSession& s, const std::string& subscriberId) {
  auto it = s.subscribers.find(subscriberId);
  if (it == s.subscribers.end()) return;
  Subscriber sub = it->second;
  s.subscribers.erase(it);
  if (routed(s)) {
    if (media_)
      media_->unsubscribe(s.record.sessionId, sub.id);  // `subscriberId` may be the erased key
    return;
  }
  if (const Stream* st = s.stream(sub.streamId)) {
    send(st->connectionId,
         OutboundMessage{sub.connectionId, "deleted", s.subscriberUri(sub.streamId, sub.id),
                         Json::object(), std::nullopt});
  }
}

Reply SessionManager::onJsep(LiveSession& s, const Connection& self, const InboundRequest& r) {
  const Stream* st = s.stream(r.param("stream"));
  if (!st) return Reply::error(404, "streamNotFound");
  if (routed(s)) return onRoutedJsep(s, self, r, *st);
  if (r.resource != "subscriber") return Reply::error(404, "noMediaServer");
  auto it = s.subscribers.find(r.param("subscriber"));
  if (it == s.subscribers.end()) return Reply::error(404, "subscriberNotFound");
  const Subscriber& sub = it->second;
  // Relay rule (docs/protocol.md §8.4 step 6): owner ↔ subscribing connection, nobody else.
  std::string to;
  if (self.id == st->connectionId)
    to = sub.connectionId;
  else if (self.id == sub.connectionId)
    to = st->connectionId;
  else
    return Reply::error(403, "forbidden");
  send(to, OutboundMessage{self.id, r.method, r.uri, r.content, std::nullopt});
  return Reply::ok();
}

Reply SessionManager::onRoutedJsep(LiveSession& s, const Connection& self, const InboundRequest& r,
                                   const Stream& st) {
  if (!media_) return Reply::error(404, "noMediaServer");
  // Candidates: the SFU is ICE-lite and learns the browser's addresses from its checks.
  if (r.method == "candidate") return Reply::ok();
  const std::string sdp = r.content.getString("sdp").value_or("");
  if (r.resource == "stream") {
    if (self.id != st.connectionId) return Reply::error(403, "forbidden");
    if (r.method != "offer") return Reply::ok();
    auto n = media_->publisherOffer(s.record.sessionId, st.id, sdp);
    if (!n.ok) {
      Logger::warn("publisher offer refused", {{"streamId", st.id}, {"error", n.error}});
      return Reply::error(400, "invalidSdp");
    }
    // Replies on the generateoffer URI with the client's own ids (docs/protocol.md §8.1).
    std::string peerId = r.content.getString("peerId").value_or(st.peerId);
    sendNegotiation(self.id, r.uri, "answer", n, peerId);
    return Reply::ok();
  }
  auto it = s.subscribers.find(r.param("subscriber"));
  if (it == s.subscribers.end()) return Reply::error(404, "subscriberNotFound");
  if (it->second.connectionId != self.id) return Reply::error(403, "forbidden");
  if (r.method == "answer" || r.method == "pranswer") {
    auto n = media_->subscriberAnswer(s.record.sessionId, it->first, sdp);
    if (!n.ok) {
      Logger::warn("subscriber answer refused", {{"subscriberId", it->first}, {"error", n.error}});
      return Reply::error(400, "invalidSdp");
    }
    return Reply::ok();
  }
  if (r.method == "offer") {
    // Subscriber-initiated renegotiation (ICE restart, docs/protocol.md §8.5).
    auto n = media_->subscriberOffer(s.record.sessionId, it->first, sdp);
    if (!n.ok) {
      Logger::warn("subscriber offer refused", {{"subscriberId", it->first}, {"error", n.error}});
      return Reply::error(400, "invalidSdp");
    }
    sendNegotiation(self.id, r.uri, "answer", n,
                    r.content.getString("peerId").value_or(it->second.peerId));
    return Reply::ok();
  }
  return Reply::ok();
}

Reply SessionManager::onSubscriberChannelUpdate(LiveSession& s, const Connection& self,
                                                const InboundRequest& r) {
  auto it = s.subscribers.find(r.param("subscriber"));
  if (it == s.subscribers.end()) return Reply::ok();
  if (it->second.connectionId != self.id) return Reply::error(403, "forbidden");
  if (!media_ || !routed(s)) return Reply::ok();
  const std::string channelId = r.param("channel");
  const std::string kind = channelId.rfind("audio", 0) == 0   ? "audio"
                           : channelId.rfind("video", 0) == 0 ? "video"
                                                              : "";
  if (kind.empty()) return Reply::ok();
  // The client's echo of an audio-fallback change (activeReason "auto") reports what the SFU
  // did; it is not the subscriber asking for its video off or on.
  const bool echo = r.content.getString("activeReason") == "auto";
  if (auto active = r.content.getBool("active"); active && !echo)
    media_->setSubscriberTrack(s.record.sessionId, it->first,
                               kind == "audio" ? media::TrackKind::Audio : media::TrackKind::Video,
                               *active);
  if (kind == "video") {
    // setPreferredFrameRate and restrictFrameRate (docs/media.md#frame-rate).
    Subscriber& sub = it->second;
    const auto fps = frameRateOf(r.content);
    const auto restricted = r.content.getBool("restrictFrameRate");
    if (fps || restricted) {
      if (fps) sub.preferredFrameRate = *fps;
      if (restricted) sub.restrictFrameRate = *restricted;
      media_->setSubscriberFrameRate(s.record.sessionId, it->first, sub.preferredFrameRate,
                                     sub.restrictFrameRate);
    }
  }
  auto w = r.content.find("preferredWidth");
  auto h = r.content.find("preferredHeight");
  auto dimension = [](double v) { return v > 0 && v < 100000 ? static_cast<uint32_t>(v) : 0u; };
  if (kind == "video" && w && h && w->isNumber() && h->isNumber()) {
    uint32_t fullWidth = 0;
    if (const Stream* st = s.stream(it->second.streamId))
      if (const Json* v = st->channel("video1"))
        fullWidth = dimension(v->getNumber("width").value_or(0));
    media_->setSubscriberPreferredSize(s.record.sessionId, it->first, dimension(w->asDouble()),
                                       dimension(h->asDouble()), fullWidth);
  }
  return Reply::ok();
}

// ---------------------------------------------------------------- signals

SessionManager::ActionResult SessionManager::validateSignal(const Json* type,
                                                            const Json* data) const {
  if (type) {
    if (!type->isString()) return {Outcome::Invalid, "signal type must be a string"};
    const std::string& t = type->asString();
    if (t.size() > limits_.maxSignalType)
      return {Outcome::Invalid, "signal type is longer than 128 characters"};
    for (char c : t)
      if (!isSignalTypeChar(c))
        return {Outcome::Invalid, "signal type may only use letters, digits, '-', '.', '_', '~'"};
  }
  if (data && data->dump().size() > limits_.maxSignalData)
    return {Outcome::TooLarge, "signal data is larger than 8 kB"};
  return {};
}

bool SessionManager::takeSignalToken(const std::string& connectionId) {
  auto& b = signalBuckets_[connectionId];
  double now = clock_();
  b.tokens = std::min(limits_.signalBurst, b.tokens + (now - b.updated) * limits_.signalsPerSecond);
  b.updated = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

Reply SessionManager::onSignal(LiveSession& s, const Connection& self, const InboundRequest& r) {
  if (!core::canSignal(self.role)) return Reply::error(403, "forbidden");
  const Json* type = r.content.find("type");
  const Json* data = r.content.find("data");
  auto valid = validateSignal(type, data);
  if (valid.outcome == Outcome::Invalid) return Reply::error(400, "invalidParameter");
  if (valid.outcome == Outcome::TooLarge) return Reply::error(413, "tooLarge");
  if (!takeSignalToken(self.id)) return Reply::error(429, "rateLimited");
  std::optional<std::string_view> to;
  std::string target = r.param("connection");
  // Passing the Session object as `to` puts the session id here (docs/protocol.md §7.7.1):
  // broadcast.
  if (!target.empty() && target != s.record.sessionId) {
    if (!s.connection(target)) return Reply::error(404, "notFound");
    to = target;
  }
  deliverSignal(s, self.id, r.uri, type, data, to);
  return Reply::ok();
}

void SessionManager::deliverSignal(LiveSession& s, const std::string& from, const std::string& uri,
                                   const Json* type, const Json* data,
                                   std::optional<std::string_view> to) {
  Json content = Json::object();
  if (type) content.set("type", *type);
  if (data) content.set("data", *data);
  OutboundMessage message{from, "signal", uri, content, std::nullopt};
  auto deliver = [&](const Connection& receiver) {
    if (receiver.eventsSuppressed && !from.empty()) {
      // Receivers that do not track connections need the sender inline (docs/protocol.md §7.4).
      OutboundMessage withSender = message;
      Json sender = connectionObject(s, from);
      withSender.content.set("connection", sender);
      withSender.content.set("fromConnection", sender);
      send(receiver.id, withSender);
    } else {
      send(receiver.id, message);
    }
  };
  if (to) {
    deliver(s.connections.at(std::string(*to)));
    return;
  }
  std::vector<std::string> plain;
  plain.reserve(s.connectionOrder.size());
  for (const auto& id : s.connectionOrder) {
    const Connection& receiver = s.connections.at(id);
    if (receiver.eventsSuppressed && !from.empty())
      deliver(receiver);
    else
      plain.push_back(id);
  }
  if (output_) output_->sendToMany(plain, message);
}

// ---------------------------------------------------------------- moderation: mute all

Reply SessionManager::onSessionUpdate(LiveSession& s, const Connection& self,
                                      const InboundRequest& r) {
  if (r.content.getString("reason") != "mute") return Reply::ok();
  if (!core::isModerator(self.role)) return Reply::error(403, "forbidden");
  std::vector<std::string> exclusions;
  if (const Json* ex = r.content.find("exclusion"); ex && ex->isArray())
    for (const auto& id : ex->items())
      if (id.isString()) exclusions.push_back(id.asString());
  muteAll(s.record.sessionId, r.content.getBool("active").value_or(false), exclusions);
  return Reply::ok();
}

SessionManager::ActionResult SessionManager::muteAll(std::string_view sessionId, bool active,
                                                     const std::vector<std::string>& exclusions) {
  LiveSession* s = findSession(sessionId);
  if (!s) return {Outcome::NotFound, "no clients are connected to the session"};
  s->muteAllActive = active;
  s->muteExclusions.clear();
  if (active) {
    s->muteExclusions.insert(exclusions.begin(), exclusions.end());
    for (const auto& id : s->streamOrder)
      if (!s->muteExclusions.count(id)) sendMute(*s, s->streams.at(id));
  }
  broadcast(*s,
            OutboundMessage{std::string(kServerAddress), "update", s->uri(),
                            Json::object({{"reason", "mute"}, {"active", active}}), std::nullopt});
  return {};
}

// ---------------------------------------------------------------- REST actions

SessionManager::ActionResult SessionManager::signalFromServer(
    std::string_view sessionId, std::optional<std::string_view> connectionId, const Json& type,
    const Json& data) {
  const Json* t = type.isNull() ? nullptr : &type;
  const Json* d = data.isNull() ? nullptr : &data;
  auto valid = validateSignal(t, d);
  if (valid.outcome != Outcome::Ok) return valid;
  LiveSession* s = findSession(sessionId);
  if (!s) return {Outcome::NotFound, "no clients are connected to the session"};
  if (connectionId && !s->connection(*connectionId))
    return {Outcome::NotFound, "the connection is not connected"};
  std::string uri = s->uri();
  if (connectionId) uri += "/connection/" + std::string(*connectionId);
  uri += "/signal/" + core::Crypto::uuid4();
  // Empty sender: the client reports `from` as null for server signals (docs/protocol.md §7.7.3).
  deliverSignal(*s, "", uri, t, d, connectionId);
  return {};
}

SessionManager::ActionResult SessionManager::forceDisconnect(std::string_view sessionId,
                                                             std::string_view connectionId) {
  LiveSession* s = findSession(sessionId);
  if (!s || !s->connection(connectionId))
    return {Outcome::NotFound, "the connection is not connected"};
  removeConnection(*s, std::string(connectionId), "forceDisconnected", true);
  return {};
}

SessionManager::ActionResult SessionManager::muteStream(std::string_view sessionId,
                                                        std::string_view streamId) {
  LiveSession* s = findSession(sessionId);
  const Stream* st = s ? s->stream(streamId) : nullptr;
  if (!st) return {Outcome::NotFound, "no such stream"};
  sendMute(*s, *st);
  return {};
}

SessionManager::ActionResult SessionManager::setLayoutClasses(
    std::string_view sessionId, std::string_view streamId,
    const std::vector<std::string>& classes) {
  LiveSession* s = findSession(sessionId);
  if (!s) return {Outcome::NotFound, "no such stream"};
  auto it = s->streams.find(streamId);
  if (it == s->streams.end()) return {Outcome::NotFound, "no such stream"};
  it->second.layoutClassList = classes;
  if (const Connection* owner = s->connection(it->second.connectionId))
    for (auto* l : listeners_) l->streamChanged(it->second, *owner);
  return {};
}

Json SessionManager::mediaStats(const std::string& sessionId) const {
  if (!media_)
    return Json::object({{"sessionId", sessionId},
                         {"publications", Json::array()},
                         {"subscriptions", Json::array()}});
  return media_->sessionStats(sessionId);
}

std::vector<const Stream*> SessionManager::streams(std::string_view sessionId) const {
  std::vector<const Stream*> out;
  const LiveSession* s = session(sessionId);
  if (!s) return out;
  for (const auto& id : s->streamOrder) {
    const Stream& st = s->streams.at(id);
    if (st.announced) out.push_back(&st);
  }
  return out;
}

}  // namespace parley::session
