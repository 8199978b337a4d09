#include "session/WhipWhepClients.h"

#include <utility>
#include <vector>

#include "core/Clock.h"
#include "core/Crypto.h"
#include "media/sdp/SessionDescription.h"
#include "obs/Logger.h"

namespace parley::session {

using core::Json;
using obs::Logger;

namespace {

// A Raptor STATUS as the HTTP status a WHIP/WHEP client understands.
int httpStatusOf(const Reply& reply) {
  switch (reply.status) {
    case 400:
    case 403:
    case 404:
      return reply.status;
    case 405:  // IncompatibleEncryptionSettings: an end-to-end encrypted session
    case 409:
    case 413:
      return 409;
    default:
      return reply.status >= 500 ? 503 : 400;
  }
}

std::string reasonOf(const Reply& reply) {
  if (reply.payload.isObject())
    if (auto reason = reply.payload.getString("reason")) return *reason;
  return "status " + std::to_string(reply.status);
}

}  // namespace

WhipWhepClients::WhipWhepClients(SessionManager& sessions, Settings settings, NowMs now)
    : sessions_(sessions),
      settings_(settings),
      now_(now ? std::move(now) : NowMs([] { return core::Clock::nowMs(); })) {}

WhipWhepClients::~WhipWhepClients() {
  for (const auto& [id, r] : resources_) sessions_.detachLocalClient(r.connectionId);
}

InboundRequest WhipWhepClients::request(const Resource& r, std::string method, std::string resource,
                                        Json content) const {
  InboundRequest q;
  q.method = std::move(method);
  q.resource = std::move(resource);
  q.params = {{"partner", r.apiKey}, {"session", r.sessionId}};
  q.uri = "/v2/partner/" + r.apiKey + "/session/" + r.sessionId;
  if (q.resource == "connection") {
    q.params["connection"] = r.connectionId;
    q.uri += "/connection/" + r.connectionId;
  } else {
    q.params["stream"] = r.streamId;
    q.uri += "/stream/" + r.streamId;
    if (q.resource == "subscriber") {
      q.params["subscriber"] = r.subscriberId;
      q.uri += "/subscriber/" + r.subscriberId;
    }
  }
  q.content = std::move(content);
  return q;
}

WhipWhepClients::Outcome WhipWhepClients::refuse(const Resource& r, int status,
                                                 std::string message) {
  if (!r.connectionId.empty()) {
    sessions_.disconnect(r.connectionId, "clientDisconnected");
    sessions_.sendDeferred();
    sessions_.detachLocalClient(r.connectionId);
  }
  Logger::info("whip/whep client refused", {{"sessionId", r.sessionId}, {"reason", message}});
  return Outcome{status, std::move(message), {}, {}};
}

WhipWhepClients::Outcome WhipWhepClients::admit(Resource r, std::string answerSdp,
                                                std::string_view what) {
  Outcome out;
  out.status = 201;
  out.resourceId = core::Crypto::uuid4();
  out.answerSdp = std::move(answerSdp);
  Logger::info(what, {{"sessionId", r.sessionId},
                      {"connectionId", r.connectionId},
                      {"streamId", r.streamId},
                      {"resource", out.resourceId}});
  resources_.emplace(out.resourceId, std::move(r));
  return out;
}

std::optional<WhipWhepClients::Outcome> WhipWhepClients::start(
    Resource& r, const std::string& apiKey, const std::string& sessionId, std::string_view token,
    std::string_view offerSdp, bool wantSend, const std::shared_ptr<Heard>& heard) {
  r.apiKey = apiKey;
  r.sessionId = sessionId;
  if (resources_.size() >= settings_.maxResources)
    return refuse(r, 503, "too many WHIP/WHEP clients on this server");
  // One token holder must not take the whole server's share.
  std::size_t inSession = 0;
  for (const auto& [id, other] : resources_) inSession += other.sessionId == sessionId;
  if (inSession >= settings_.maxPerSession)
    return refuse(r, 409, "too many WHIP/WHEP clients in this session");
  std::string sdpError;
  auto offer = media::sdp::SessionDescription::parse(offerSdp, &sdpError);
  if (!offer) return refuse(r, 400, "invalid SDP offer: " + sdpError);
  for (const auto& m : offer->media) {
    if (m.port == 0 || (wantSend ? m.direction == media::sdp::Direction::RecvOnly
                                 : m.direction == media::sdp::Direction::SendOnly))
      continue;
    r.audio = r.audio || m.kind == media::sdp::MediaKind::Audio;
    r.video = r.video || m.kind == media::sdp::MediaKind::Video;
  }
  if (!r.audio && !r.video)
    return refuse(
        r, 400, "the offer has no audio or video to " + std::string(wantSend ? "send" : "receive"));

  r.connectionId = core::Crypto::uuid4();
  r.tokenDigest = core::Crypto::sha256(token);
  r.createdMs = now_();
  // Only what concerns its own stream or subscriber: the SFU's ids and answer.
  sessions_.attachLocalClient(r.connectionId, [heard](const OutboundMessage& m) {
    if (m.method == "generateoffer") heard->peerId = m.content.getString("peerId").value_or("");
    if (m.method == "answer") heard->answer = m.content.getString("sdp").value_or("");
  });
  Reply connected =
      sessions_.connect(r.connectionId, token,
                        request(r, "create", "connection",
                                Json::object({{"userAgent", wantSend ? "WHIP" : "WHEP"},
                                              {"capabilities", Json::array()}})));
  sessions_.sendDeferred();
  if (connected.status != 200)
    return refuse(r, httpStatusOf(connected), "connect refused: " + reasonOf(connected));
  return std::nullopt;
}

WhipWhepClients::Outcome WhipWhepClients::publish(const std::string& apiKey,
                                                  const std::string& sessionId,
                                                  std::string_view token, std::string_view offerSdp,
                                                  std::string_view name) {
  Resource r;
  r.streamId = core::Crypto::uuid4();
  auto heard = std::make_shared<Heard>();
  if (auto refused = start(r, apiKey, sessionId, token, offerSdp, true, heard)) return *refused;
  const bool audio = r.audio, video = r.video;
  Json channels = Json::array();
  if (audio) channels.push(Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}}));
  if (video)
    channels.push(Json::object({{"id", "video1"},
                                {"type", "video"},
                                {"active", true},
                                {"source", "camera"},
                                {"fitMode", "contain"}}));
  Reply created = sessions_.handle(
      r.connectionId,
      request(r, "create", "stream",
              Json::object({{"name", std::string(name.substr(0, 256))}, {"channel", channels}})));
  sessions_.sendDeferred();
  if (created.status != 200)
    return refuse(r, httpStatusOf(created), "publish refused: " + reasonOf(created));
  if (heard->peerId.empty())
    return refuse(r, 409, "the session is not routed (WHIP needs the SFU)");
  Reply answered =
      sessions_.handle(r.connectionId, request(r, "offer", "stream",
                                               Json::object({{"type", "offer"},
                                                             {"sdp", std::string(offerSdp)},
                                                             {"peerId", heard->peerId},
                                                             {"sourceStreamId", "MANTIS"}})));
  sessions_.sendDeferred();
  if (answered.status != 200 || heard->answer.empty())
    return refuse(r, answered.status == 200 ? 400 : httpStatusOf(answered),
                  "the SFU cannot use this offer: " + reasonOf(answered));
  return admit(std::move(r), heard->answer, "whip publisher");
}

WhipWhepClients::Outcome WhipWhepClients::view(const std::string& apiKey,
                                               const std::string& sessionId,
                                               const std::string& streamId, std::string_view token,
                                               std::string_view offerSdp) {
  Resource r;
  r.streamId = streamId;
  r.subscriberId = core::Crypto::uuid4();
  auto heard = std::make_shared<Heard>();
  if (auto refused = start(r, apiKey, sessionId, token, offerSdp, false, heard)) return *refused;
  // Before the subscriber exists: in a relayed session its create would ask the publisher for
  // a peer-to-peer offer.
  if (const LiveSession* live = sessions_.session(sessionId);
      !live || live->record.properties.mediaMode != core::MediaMode::Routed)
    return refuse(r, 409, "the session is not routed (WHEP needs the SFU)");
  const Json channels =
      Json::array({Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}}),
                   Json::object({{"id", "video1"}, {"type", "video"}, {"active", true}})});
  Reply created = sessions_.handle(
      r.connectionId, request(r, "create", "subscriber", Json::object({{"channel", channels}})));
  sessions_.sendDeferred();
  if (created.status != 200)
    return refuse(r, httpStatusOf(created), "subscribe refused: " + reasonOf(created));
  // The client's offer is a subscriber's own offer (docs/protocol.md §8.5): the SFU answers it.
  heard->answer.clear();
  Reply answered = sessions_.handle(
      r.connectionId, request(r, "offer", "subscriber",
                              Json::object({{"type", "offer"}, {"sdp", std::string(offerSdp)}})));
  sessions_.sendDeferred();
  if (answered.status != 200 || heard->answer.empty())
    return refuse(r, answered.status == 200 ? 400 : httpStatusOf(answered),
                  "the SFU cannot use this offer: " + reasonOf(answered));
  return admit(std::move(r), heard->answer, "whep viewer");
}

int WhipWhepClients::remove(const std::string& sessionId, const std::string& resourceId,
                            std::string_view token) {
  auto it = resources_.find(resourceId);
  if (it == resources_.end() || it->second.sessionId != sessionId) return 404;
  if (!core::Crypto::constantTimeEquals(it->second.tokenDigest, core::Crypto::sha256(token)))
    return 403;
  drop(resourceId, "clientDisconnected");
  return 200;
}

void WhipWhepClients::drop(const std::string& resourceId, const std::string& reason) {
  auto it = resources_.find(resourceId);
  if (it == resources_.end()) return;
  Resource r = std::move(it->second);
  resources_.erase(it);
  sessions_.disconnect(r.connectionId, reason);
  sessions_.sendDeferred();
  sessions_.detachLocalClient(r.connectionId);
  Logger::info("whip/whep client gone",
               {{"sessionId", r.sessionId}, {"streamId", r.streamId}, {"reason", reason}});
}

void WhipWhepClients::tick() {
  const std::int64_t now = now_();
  std::vector<std::pair<std::string, std::string>> gone;
  for (auto& [id, r] : resources_) {
    const LiveSession* s = sessions_.session(r.sessionId);
    const Stream* st = s ? s->stream(r.streamId) : nullptr;
    if (!s || !s->connection(r.connectionId)) {
      gone.emplace_back(id, "forceDisconnected");
    } else if (r.subscriberId.empty()) {
      // A publisher's stream exists from publish() on (announced once its media flows):
      // without it the media stopped or a moderator unpublished it.
      if (!st || (!st->announced && now - r.createdMs > settings_.startTimeoutMs))
        gone.emplace_back(id, "mediaStopped");
    } else if (!s->subscribers.count(r.subscriberId)) {
      // A viewer whose stream ended, or whose media stopped.
      gone.emplace_back(id, "mediaStopped");
    }
  }
  for (const auto& [id, reason] : gone) drop(id, reason);
}

}  // namespace parley::session
