#include "http/WhipHandler.h"

#include "core/AsciiCase.h"
#include "core/Clock.h"
#include "obs/Logger.h"

namespace parley::http {

namespace {

// The token of `Authorization: Bearer <token>`; empty when absent or of another scheme.
std::string_view bearerToken(const HttpRequest& r) {
  auto h = r.header("Authorization");
  if (!h || h->size() < 7 || !core::equalsIgnoringCase(h->substr(0, 7), "Bearer ")) return {};
  std::string_view token = h->substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return token;
}

HttpResponse whipError(int status, std::string_view message) {
  HttpResponse r = HttpResponse::error(status, message);
  // Browsers' WHIP clients read Location cross-origin only when it is exposed.
  r.setHeader("Access-Control-Expose-Headers", "Location");
  return r;
}

}  // namespace

void WhipHandler::addRoutes(Router& router) {
  router.add("POST", "/whip/{sessionId}",
             [this](const HttpRequest& r, const PathParams& p) { return publish(r, p); });
  router.add("DELETE", "/whip/{sessionId}/{resourceId}",
             [this](const HttpRequest& r, const PathParams& p) { return remove(r, p); });
  router.add("PATCH", "/whip/{sessionId}/{resourceId}",
             [this](const HttpRequest& r, const PathParams& p) { return patch(r, p); });
}

HttpResponse WhipHandler::publish(const HttpRequest& r, const PathParams& p) {
  const std::string sessionId = p.find("sessionId")->second;
  const std::string_view token = bearerToken(r);
  if (token.empty()) {
    HttpResponse res = whipError(401, "WHIP needs Authorization: Bearer <client token>");
    res.setHeader("WWW-Authenticate", "Bearer");
    return res;
  }
  auto type = r.header("Content-Type");
  if (!type || !core::equalsIgnoringCase(type->substr(0, type->find(';')), "application/sdp"))
    return whipError(415, "the offer must be application/sdp");
  if (r.body.empty() || r.body.size() > kMaxOfferBytes)
    return whipError(400, "the offer must be 1 to 65536 bytes of SDP");
  auto verified = core::TokenVerifier::verify(token, secrets_, core::Clock::nowSeconds());
  if (!verified) {
    obs::Logger::info("whip: token refused", {{"reason", verified.error().message}});
    return whipError(401, "invalid token: " + verified.error().message);
  }
  if (verified.value().sessionId != sessionId)
    return whipError(403, "the token is for another session");
  // The stream's name: ?name=… (OBS and GStreamer let users set the URL, not headers).
  const std::string name = r.queryParam("name").value_or("WHIP");
  auto out = ingest_.publish(verified.value().apiKey, sessionId, token, r.body, name);
  if (out.status != 201) return whipError(out.status, out.message);
  HttpResponse res = HttpResponse::text(201, out.answerSdp, "application/sdp");
  res.setHeader("Location", basePath_ + "/whip/" + sessionId + "/" + out.resourceId);
  res.setHeader("Access-Control-Expose-Headers", "Location");
  return res;
}

HttpResponse WhipHandler::remove(const HttpRequest& r, const PathParams& p) {
  const std::string_view token = bearerToken(r);
  if (token.empty()) return whipError(401, "WHIP needs Authorization: Bearer <client token>");
  const int status =
      ingest_.remove(p.find("sessionId")->second, p.find("resourceId")->second, token);
  if (status == 200) return HttpResponse::empty(200);
  return whipError(
      status, status == 403 ? "not the token that created this resource" : "no such WHIP resource");
}

HttpResponse WhipHandler::patch(const HttpRequest&, const PathParams&) {
  // RFC 9725 §4.3: without trickle ICE or ICE restarts the endpoint answers 405.
  HttpResponse res = whipError(405, "trickle ICE and ICE restarts are not supported");
  res.setHeader("Allow", "POST, DELETE");
  return res;
}

}  // namespace parley::http
