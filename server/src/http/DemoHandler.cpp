#include "http/DemoHandler.h"

#include "core/Clock.h"
#include "obs/Logger.h"

namespace parley::http {

DemoHandler::DemoHandler(store::Store& store, session::SessionCatalog& catalog, std::string apiKey,
                         std::string webDir)
    : rooms_(store, catalog),
      issuer_(store, rooms_, std::move(apiKey)),
      files_(std::move(webDir)) {}

void DemoHandler::addRoutes(Router& router) {
  // Before /demo/{file}: the router takes the first match.
  router.add("GET", "/demo/token",
             [this](const HttpRequest& r, const PathParams&) { return token(r); });
  router.add("GET", "/demo/{file}", [this](const HttpRequest&, const PathParams& p) {
    return file(p.find("file")->second);
  });
}

HttpResponse DemoHandler::token(const HttpRequest& request) {
  const auto parsed =
      demo::TokenRequest::parse([&](std::string_view name) { return request.queryParam(name); });
  if (!parsed) return HttpResponse::error(400, "Invalid request", parsed.error().message);

  const auto issued = issuer_.issue(parsed.value(), core::Clock::nowSeconds());
  if (!issued) {
    obs::Logger::error("demo token refused", {{"error", issued.error().message}});
    return HttpResponse::error(503, "Demo unavailable", issued.error().message);
  }
  if (issued->roomCreated) {
    obs::Logger::info("demo room created", {{"room", parsed->room},
                                            {"sessionId", issued->sessionId},
                                            {"mediaMode", core::mediaModeName(issued->mediaMode)}});
  }
  HttpResponse r = HttpResponse::json(
      200, core::Json::object({{"apiKey", issued->apiKey},
                               {"sessionId", issued->sessionId},
                               {"token", issued->token},
                               {"mediaMode", core::mediaModeName(issued->mediaMode)}}));
  // A token is a credential: no cache keeps it.
  r.setHeader("Cache-Control", "no-store");
  return r;
}

HttpResponse DemoHandler::file(std::string_view name) const {
  const demo::WebFiles::File* f = files_.find(name);
  if (!f) return HttpResponse::error(404, "Not found", "No such demo file");
  HttpResponse r = HttpResponse::text(200, f->body, f->contentType);
  r.setHeader("Cache-Control", "no-cache");
  return r;
}

}  // namespace parley::http
