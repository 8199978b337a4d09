#include "http/WhipWhepHandler.h"

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

HttpResponse failure(int status, std::string_view message) {
  HttpResponse r = HttpResponse::error(status, message);
  // Browsers' WHIP/WHEP clients read Location cross-origin only when it is exposed.
  r.setHeader("Access-Control-Expose-Headers", "Location");
  if (status == 401) r.setHeader("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse noPatch(const HttpRequest&, const PathParams&) {
  // RFC 9725 §4.3: without trickle ICE or ICE restarts the endpoint answers 405.
  HttpResponse res = failure(405, "trickle ICE and ICE restarts are not supported");
  res.setHeader("Allow", "POST, DELETE");
  return res;
}

}  // namespace

void WhipWhepHandler::addRoutes(Router& router) {
  router.add("POST", "/whip/{sessionId}", [this](const HttpRequest& r, const PathParams& p) {
    const std::string sessionId = p.find("sessionId")->second;
    Offer offer;
    if (auto refused = check(r, sessionId, offer)) return *refused;
    auto out = clients_.publish(offer.apiKey, sessionId, offer.token, r.body,
                                r.queryParam("name").value_or("WHIP"));
    return answered(out, "/whip/" + sessionId + "/" + out.resourceId);
  });
  router.add("POST", "/whep/{sessionId}/{streamId}",
             [this](const HttpRequest& r, const PathParams& p) {
               const std::string sessionId = p.find("sessionId")->second;
               const std::string streamId = p.find("streamId")->second;
               Offer offer;
               if (auto refused = check(r, sessionId, offer)) return *refused;
               auto out = clients_.view(offer.apiKey, sessionId, streamId, offer.token, r.body);
               return answered(out, "/whep/" + sessionId + "/" + streamId + "/" + out.resourceId);
             });
  auto del = [this](const HttpRequest& r, const PathParams& p) { return remove(r, p); };
  router.add("DELETE", "/whip/{sessionId}/{resourceId}", del);
  router.add("DELETE", "/whep/{sessionId}/{streamId}/{resourceId}", del);
  router.add("PATCH", "/whip/{sessionId}/{resourceId}", noPatch);
  router.add("PATCH", "/whep/{sessionId}/{streamId}/{resourceId}", noPatch);
}

std::optional<HttpResponse> WhipWhepHandler::check(const HttpRequest& r,
                                                   const std::string& sessionId,
                                                   Offer& offer) const {
  const std::string_view token = bearerToken(r);
  if (token.empty()) return failure(401, "needs Authorization: Bearer <client token>");
  auto type = r.header("Content-Type");
  if (!type || !core::equalsIgnoringCase(type->substr(0, type->find(';')), "application/sdp"))
    return failure(415, "the offer must be application/sdp");
  if (r.body.empty() || r.body.size() > kMaxOfferBytes)
    return failure(400, "the offer must be 1 to 65536 bytes of SDP");
  auto verified = core::TokenVerifier::verify(token, secrets_, core::Clock::nowSeconds());
  if (!verified) {
    obs::Logger::info("whip/whep: token refused", {{"reason", verified.error().message}});
    return failure(401, "invalid token: " + verified.error().message);
  }
  if (verified.value().sessionId != sessionId)
    return failure(403, "the token is for another session");
  offer.apiKey = verified.value().apiKey;
  offer.token = std::string(token);
  return std::nullopt;
}

HttpResponse WhipWhepHandler::answered(const session::WhipWhepClients::Outcome& out,
                                       const std::string& location) const {
  if (out.status != 201) return failure(out.status, out.message);
  HttpResponse res = HttpResponse::text(201, out.answerSdp, "application/sdp");
  res.setHeader("Location", basePath_ + location);
  res.setHeader("Access-Control-Expose-Headers", "Location");
  return res;
}

HttpResponse WhipWhepHandler::remove(const HttpRequest& r, const PathParams& p) {
  const std::string_view token = bearerToken(r);
  if (token.empty()) return failure(401, "needs Authorization: Bearer <client token>");
  const int status =
      clients_.remove(p.find("sessionId")->second, p.find("resourceId")->second, token);
  if (status == 200) return HttpResponse::empty(200);
  return failure(status, status == 403 ? "not the token that created this resource"
                                       : "no such WHIP/WHEP resource");
}

}  // namespace parley::http
