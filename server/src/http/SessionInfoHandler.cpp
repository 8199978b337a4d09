#include "http/SessionInfoHandler.h"

#include <algorithm>

#include "core/Clock.h"
#include "core/TurnCredentials.h"
#include "http/SessionCreateHandler.h"
#include "obs/Logger.h"

namespace parley::http {

namespace {

std::string hostOf(std::string_view url) {
  auto scheme = url.find("://");
  std::string_view rest = scheme == std::string_view::npos ? url : url.substr(scheme + 3);
  return std::string(rest.substr(0, rest.find('/')));
}

std::string websocketUrl(std::string_view publicUrl) {
  if (publicUrl.rfind("https://", 0) == 0) return "wss://" + std::string(publicUrl.substr(8));
  if (publicUrl.rfind("http://", 0) == 0) return "ws://" + std::string(publicUrl.substr(7));
  return std::string(publicUrl);
}

// The TURN username names the connection (coturn logs it with every allocation) when the
// client sent a plain ID; anything else could smuggle the ':' separator in.
bool plainId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  return true;
}

}  // namespace

core::Json SessionInfoHandler::iceServers(std::string_view user, std::int64_t now) const {
  // The media port answers STUN (ICE-lite), so it doubles as the STUN server entry that
  // keeps the client from making its extra un-proxied session-info call (docs/protocol.md §5.4.1).
  core::Json servers = core::Json::array(
      {core::Json::object({{"urls", core::Json::array({"stun:" + settings_.rtcIp + ":" +
                                                       std::to_string(settings_.rtcPort)})}})});
  const auto& turn = settings_.turn;
  if (!turn.urls.empty()) {
    auto issued = core::TurnCredentials::issue(turn.secret, user, now + turn.ttlSeconds);
    core::Json urls = core::Json::array();
    for (const auto& url : turn.urls) urls.push(url);
    servers.push(core::Json::object(
        {{"urls", urls}, {"username", issued.username}, {"credential", issued.credential}}));
  }
  return servers;
}

std::int64_t SessionInfoHandler::iceCredentialExpiration() const {
  // OpenTok's own value, 86100, is its 24-hour credential lifetime less five minutes.
  if (settings_.turn.urls.empty()) return 86100;
  const std::int64_t ttl = settings_.turn.ttlSeconds;
  return std::max(ttl - 300, ttl / 2);
}

HttpResponse SessionInfoHandler::errorElement(int code, std::string_view message) {
  core::Json error = core::Json::object(
      {{"code", code}, {"errorMessage", core::Json::object({{"message", message}})}});
  return HttpResponse::json(200, core::Json::array({core::Json::object({{"error", error}})}));
}

HttpResponse SessionInfoHandler::handle(const HttpRequest& request, const std::string& sessionId) {
  auto token = request.header("X-OPENTOK-AUTH");
  if (!token || token->empty()) return errorElement(403, "Invalid token format");
  auto verified = core::TokenVerifier::verify(*token, secrets_, core::Clock::nowSeconds());
  if (!verified) {
    obs::Logger::info("session info: token rejected",
                      {{"sessionId", sessionId}, {"reason", verified.error().message}});
    if (verified.error().code == core::Error::Code::Malformed)
      return errorElement(403, "Invalid token format");
    return errorElement(403, "Invalid token: " + verified.error().message);
  }
  const auto& claims = verified.value();
  if (claims.sessionId != sessionId) {
    obs::Logger::info("session info: token is for another session", {{"sessionId", sessionId}});
    return errorElement(403, "Invalid token: the token is for another session");
  }
  auto record = catalog_.find(sessionId);
  if (!record || record->apiKey != claims.apiKey) {
    return errorElement(404, "Session not found");
  }

  const auto& p = record->properties;
  bool relayed = p.mediaMode == core::MediaMode::Relayed;
  std::string owner = ownerUrl_ ? ownerUrl_(sessionId) : std::string();
  const std::string& base = owner.empty() ? settings_.publicUrl : owner;
  std::string host = hostOf(base);
  // No "clientCandidates": OpenTok.js hands it to RTCPeerConnection as iceTransportPolicy,
  // where null is not a valid value and every peer connection would fail to construct.
  core::Json properties = core::Json::object({
      {"p2p",
       core::Json::object(
           {{"preference", core::Json::object({{"value", relayed ? "enabled" : "disabled"}})}})},
      {"simulcast", false},
      {"reconnection", true},
      {"renegotiation", true},
      {"e2ee", p.e2ee},
      {"h264", true},
      {"vp8", true},
      {"vp9", true},
      // OpenTok.js orders a publisher's codecs by this unless the app passes
      // preferredVideoCodecs; the SFU answers in the publisher's order (docs/media.md).
      {"priorityVideoCodec", p.videoCodec.empty() ? settings_.videoCodec : p.videoCodec},
      {"streamSimulcastRidEnabled", false},
      {"singlePeerConnection", false},
      {"hybridSession", false},
      {"archiveMode", core::archiveModeName(p.archiveMode)},
  });
  auto connectionId = request.header("X-TB-CONNECTIONID");
  std::string turnUser =
      connectionId && plainId(*connectionId) ? std::string(*connectionId) : claims.apiKey;
  core::Json info = core::Json::object({
      {"session_id", record->sessionId},
      {"project_id", record->apiKey},
      {"partner_id", record->apiKey},
      {"create_dt", SessionCreateHandler::formatCreateDate(record->createdAtMs)},
      {"session_status", nullptr},
      {"status_invalid", nullptr},
      {"media_server_hostname", host},
      {"messaging_server_url", host},
      {"messaging_url", websocketUrl(base) + std::string(kRumorPath)},
      {"symphony_address", session::kServerAddress},
      {"ice_servers", iceServers(turnUser, core::Clock::nowSeconds())},
      {"ice_credential_expiration", iceCredentialExpiration()},
      {"properties", properties},
  });
  return HttpResponse::json(200, core::Json::array({info}));
}

}  // namespace parley::http
