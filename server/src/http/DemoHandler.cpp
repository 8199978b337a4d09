#include "http/DemoHandler.h"

#include <cctype>
#include <chrono>
#include <cmath>

#include "core/AsciiCase.h"
#include "core/Clock.h"
#include "core/HttpUrl.h"
#include "obs/Logger.h"

namespace parley::http {

namespace {

// Scheme, host and port equal (default ports spelled or not, host names in any case).
bool sameOrigin(const core::HttpUrl& a, const core::HttpUrl& b) {
  return a.secure == b.secure && a.port == b.port && core::equalsIgnoringCase(a.host, b.host);
}

double steadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

DemoHandler::DemoHandler(store::Store& store, session::SessionCatalog& catalog, Settings settings)
    : settings_(std::move(settings)),
      rooms_(store, catalog),
      issuer_(store, rooms_, settings_.apiKey),
      files_(settings_.webDir),
      throttle_(settings_.throttle) {
  if (!settings_.now) settings_.now = steadySeconds;
}

void DemoHandler::addRoutes(Router& router) {
  // Before /demo/{file}: the router takes the first match.
  router.add(
      "GET", "/demo/token", [this](const HttpRequest& r, const PathParams&) { return token(r); },
      Router::Cors::SameOrigin);
  router.add("GET", "/demo/{file}", [this](const HttpRequest&, const PathParams& p) {
    return file(p.find("file")->second);
  });
}

std::optional<std::string> DemoHandler::crossSiteCaller(const HttpRequest& request) const {
  // "none": the user opened the URL; "same-origin": the demo page's own fetch.
  if (auto site = request.header("Sec-Fetch-Site");
      site && !core::equalsIgnoringCase(*site, "same-origin") &&
      !core::equalsIgnoringCase(*site, "none")) {
    return "Sec-Fetch-Site: " + std::string(*site);
  }
  auto origin = request.header("Origin");
  if (!origin) return std::nullopt;
  // "null" (sandboxed frames, file: pages) parses as nothing and is refused.
  const auto caller = core::HttpUrl::parse(*origin);
  if (caller) {
    if (const auto own = core::HttpUrl::parse(settings_.publicUrl);
        own && sameOrigin(*caller, *own))
      return std::nullopt;
    // The page may have been opened under another name for this server (localhost for
    // 127.0.0.1, or the proxy's name when --public-url is not set): the Host it asked for.
    if (auto host = request.header("Host");
        host && core::equalsIgnoringCase(*host, caller->hostHeader()))
      return std::nullopt;
  }
  return "Origin: " + std::string(*origin);
}

HttpResponse DemoHandler::token(const HttpRequest& request) {
  if (auto why = crossSiteCaller(request)) {
    return HttpResponse::error(403, "Forbidden",
                               "demo tokens are only given to the demo page itself (" + *why + ")");
  }
  if (const double wait = throttle_.admit(request.remoteAddress, settings_.now()); wait > 0) {
    HttpResponse r = HttpResponse::error(429, "Too many requests",
                                         "too many demo tokens requested; try again later");
    r.setHeader("Retry-After", std::to_string(static_cast<long long>(std::ceil(wait))));
    return r;
  }
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
  // A token is a credential: no cache keeps it, and no other site's page may embed it.
  r.setHeader("Cache-Control", "no-store");
  r.setHeader("X-Content-Type-Options", "nosniff");
  r.setHeader("Cross-Origin-Resource-Policy", "same-origin");
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
