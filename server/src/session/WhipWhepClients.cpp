#include "session/WhipIngest.h"

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

// A Raptor STATUS as the HTTP status a WHIP client understands.
int httpStatusOf(const Reply& reply) {
  switch (reply.status) {
    case 400:
      return 400;
    case 403:
      return 403;
    case 404:
      return 404;
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

WhipIngest::WhipIngest(SessionManager& sessions, Settings settings, NowMs now)
    : sessions_(sessions),
      settings_(settings),
      now_(now ? std::move(now) : NowMs([] { return core::Clock::nowMs(); })) {}

WhipIngest::~WhipIngest() {
  for (const auto& [id, r] : resources_) sessions_.detachLocalClient(r.connectionId);
}

InboundRequest WhipIngest::request(const Resource& r, std::string method, std::string resource,
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
  }
  q.content = std::move(content);
  return q;
}

WhipIngest::Outcome WhipIngest::publish(const std::string& apiKey, const std::string& sessionId,
                                        std::string_view token, std::string_view offerSdp,
                                        std::string_view name) {
  auto fail = [](int status, std::string message) {
    return Outcome{status, std::move(message), {}, {}};
  };
  if (resources_.size() >= settings_.maxResources)
    return fail(503, "too many WHIP publishers on this server");
  std::string sdpError;
  auto offer = media::sdp::SessionDescription::parse(offerSdp, &sdpError);
  if (!offer) return fail(400, "invalid SDP offer: " + sdpError);
  bool audio = false, video = false;
  for (const auto& m : offer->media) {
    if (m.port == 0) continue;
    audio = audio || m.kind == media::sdp::MediaKind::Audio;
    video = video || m.kind == media::sdp::MediaKind::Video;
  }
  if (!audio && !video) return fail(400, "the offer has no audio or video");

  Resource r;
  r.apiKey = apiKey;
  r.sessionId = sessionId;
  r.connectionId = core::Crypto::uuid4();
  r.streamId = core::Crypto::uuid4();
  r.tokenDigest = core::Crypto::sha256(token);
  r.createdMs = now_();
  // What the SFU says to this "client": the generateoffer's ids, then the answer.
  struct Heard {
    std::string peerId;
    std::string answer;
  };
  auto heard = std::make_shared<Heard>();
  const std::string streamUri = "/stream/" + r.streamId;
  sessions_.attachLocalClient(r.connectionId, [heard, streamUri](const OutboundMessage& m) {
    const bool own =
        m.uri.size() >= streamUri.size() &&
        m.uri.compare(m.uri.size() - streamUri.size(), streamUri.size(), streamUri) == 0;
    if (!own) return;
    if (m.method == "generateoffer") heard->peerId = m.content.getString("peerId").value_or("");
    if (m.method == "answer") heard->answer = m.content.getString("sdp").value_or("");
  });
  auto undo = [&](const std::string& why) {
    sessions_.disconnect(r.connectionId, "clientDisconnected");
    sessions_.sendDeferred();
    sessions_.detachLocalClient(r.connectionId);
    Logger::info("whip publish refused", {{"sessionId", sessionId}, {"reason", why}});
  };

  Reply connected = sessions_.connect(
      r.connectionId, token,
      request(r, "create", "connection",
              Json::object({{"userAgent", "WHIP"}, {"capabilities", Json::array()}})));
  sessions_.sendDeferred();
  if (connected.status != 200) {
    undo(reasonOf(connected));
    return fail(httpStatusOf(connected), "connect refused: " + reasonOf(connected));
  }
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
  if (created.status != 200 || heard->peerId.empty()) {
    undo(reasonOf(created));
    return fail(created.status == 200 ? 409 : httpStatusOf(created),
                created.status == 200 ? "the session is not routed (WHIP needs the SFU)"
                                      : "publish refused: " + reasonOf(created));
  }
  Reply answered =
      sessions_.handle(r.connectionId, request(r, "offer", "stream",
                                               Json::object({{"type", "offer"},
                                                             {"sdp", std::string(offerSdp)},
                                                             {"peerId", heard->peerId},
                                                             {"sourceStreamId", "MANTIS"}})));
  sessions_.sendDeferred();
  if (answered.status != 200 || heard->answer.empty()) {
    undo(reasonOf(answered));
    return fail(answered.status == 200 ? 400 : httpStatusOf(answered),
                "the SFU cannot use this offer: " + reasonOf(answered));
  }
  Outcome out;
  out.status = 201;
  out.resourceId = core::Crypto::uuid4();
  out.answerSdp = heard->answer;
  Logger::info("whip publisher", {{"sessionId", sessionId},
                                  {"connectionId", r.connectionId},
                                  {"streamId", r.streamId},
                                  {"resource", out.resourceId}});
  resources_.emplace(out.resourceId, std::move(r));
  return out;
}

int WhipIngest::remove(const std::string& sessionId, const std::string& resourceId,
                       std::string_view token) {
  auto it = resources_.find(resourceId);
  if (it == resources_.end() || it->second.sessionId != sessionId) return 404;
  if (!core::Crypto::constantTimeEquals(it->second.tokenDigest, core::Crypto::sha256(token)))
    return 403;
  drop(resourceId, "clientDisconnected");
  return 200;
}

void WhipIngest::drop(const std::string& resourceId, const std::string& reason) {
  auto it = resources_.find(resourceId);
  if (it == resources_.end()) return;
  Resource r = std::move(it->second);
  resources_.erase(it);
  sessions_.disconnect(r.connectionId, reason);
  sessions_.sendDeferred();
  sessions_.detachLocalClient(r.connectionId);
  Logger::info("whip publisher gone",
               {{"sessionId", r.sessionId}, {"streamId", r.streamId}, {"reason", reason}});
}

void WhipIngest::tick() {
  const std::int64_t now = now_();
  std::vector<std::pair<std::string, std::string>> gone;
  for (auto& [id, r] : resources_) {
    const LiveSession* s = sessions_.session(r.sessionId);
    const Stream* st = s ? s->stream(r.streamId) : nullptr;
    // The stream exists from publish() on (announced once its media flows): without it the
    // publisher's media stopped or a moderator unpublished it.
    if (!s || !s->connection(r.connectionId))
      gone.emplace_back(id, "forceDisconnected");
    else if (!st || (!st->announced && now - r.createdMs > settings_.startTimeoutMs))
      gone.emplace_back(id, "mediaStopped");
  }
  for (const auto& [id, reason] : gone) drop(id, reason);
}

}  // namespace parley::session
