#include "http/ApiServer.h"

#include "http/ClientEventLog.h"

#include <chrono>

#include "http/ProxyPath.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "session/ArchiveJson.h"
#include "store/StoreError.h"

namespace parley::http {

namespace {

std::string pathOfUrl(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  auto slash = url.find('/', scheme + 3);
  if (slash == std::string_view::npos) return {};
  return std::string(url.substr(slash));
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

constexpr std::string_view kIndexPage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}
code,pre{background:#f3f3f3;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Parley is running</h1>
<p>This server speaks the OpenTok REST API and client protocol.
Point an OpenTok server SDK at this origin, for example in Node:</p>
<pre>const OpenTok = require('opentok');
const ot = new OpenTok(apiKey, apiSecret, { apiUrl: location.origin });</pre>
<p>Health: <a href="healthz">/healthz</a> · Metrics: <a href="metrics">/metrics</a></p>
</body></html>
)";

}  // namespace

ApiServer::ApiServer(Settings settings, store::Store& store, session::SessionManager& sessions,
                     session::ArchiveManager* archives, session::WhipWhepClients* whip,
                     session::BroadcastManager* broadcasts)
    : settings_(std::move(settings)),
      basePath_(pathOfUrl(settings_.publicUrl)),
      store_(store),
      catalog_(store),
      auth_(store),
      sessionCreate_(auth_, catalog_),
      sessionInfo_({settings_.publicUrl, settings_.rtcIp, settings_.rtcPort, settings_.turn,
                    settings_.videoCodec},
                   auth_.secretLookup(), catalog_),
      liveSessions_(auth_, sessions),
      callbacks_(auth_, store, settings_.callbackTargets),
      unavailable_(auth_, archives == nullptr, broadcasts == nullptr),
      sdk_(settings_.sdkDir) {
  if (settings_.demo.enabled) {
    demo_ = std::make_unique<DemoHandler>(store_, catalog_,
                                          DemoHandler::Settings{settings_.demo.apiKey,
                                                                settings_.demo.webDir,
                                                                settings_.publicUrl,
                                                                settings_.demo.throttle,
                                                                {}});
  }
  if (!settings_.archivesDir.empty() && !settings_.urlSigningKey.empty())
    archiveDownloads_ = std::make_unique<ArchiveDownloadHandler>(store_, settings_.archivesDir,
                                                                 settings_.urlSigningKey);
  if (archives) {
    archives_ = std::make_unique<ArchiveHandler>(
        auth_, store_, *archives,
        [this](const store::ArchiveRecord& a) -> std::optional<std::string> {
          if (!archiveDownloads_ || a.status != "available") return std::nullopt;
          return archiveDownloads_->link(settings_.publicUrl, a.apiKey, a.id,
                                         settings_.archiveUrlTtlSeconds);
        });
    // The demo room's Record button (docs/demo.md).
    if (demo_) {
      demo_->setArchives(archives, [this](const std::string& apiKey, const std::string& id) {
        return archiveDownloads_ ? archiveDownloads_->link(settings_.publicUrl, apiKey, id,
                                                           settings_.archiveUrlTtlSeconds)
                                 : std::string();
      });
    }
  }
  if (whip) whip_ = std::make_unique<WhipWhepHandler>(auth_.secretLookup(), *whip, basePath_);
  if (broadcasts)
    broadcasts_ = std::make_unique<BroadcastHandler>(auth_, *broadcasts, settings_.publicUrl);
  // The demo room's Go live button (docs/demo.md).
  if (demo_ && broadcasts) demo_->setBroadcasts(broadcasts);
  addRoutes();
  // Families appear in /metrics from the start, at zero.
  auto& metrics = obs::Metrics::instance();
  metrics.counter("parley_http_requests_total", "HTTP requests answered");
  metrics.counter("parley_http_errors_total", "HTTP responses with status >= 400");
  metrics.counter("parley_sessions_created_total",
                  "Sessions created through the REST API or the CLI");
}

void ApiServer::addRoutes() {
  router_.add("GET", "/healthz", [](const HttpRequest&, const PathParams&) {
    return HttpResponse::json(200, core::Json::object({{"status", "ok"}}));
  });
  // Internal figures: no page of another origin (say, one a curious operator opened
  // inside the same network) needs to read them.
  router_.add(
      "GET", "/metrics",
      [](const HttpRequest&, const PathParams&) {
        return HttpResponse::text(200, obs::Metrics::instance().render(),
                                  "text/plain; version=0.0.4");
      },
      Router::Cors::SameOrigin);
  router_.add("GET", "/", [this](const HttpRequest&, const PathParams&) {
    if (demo_ && demo_->indexPage()) return demo_->file("index.html");
    return HttpResponse::text(200, std::string(kIndexPage), "text/html; charset=utf-8");
  });
  router_.add("GET", "/sdk/{file}", [this](const HttpRequest&, const PathParams& p) {
    return sdk_.get(p.find("file")->second);
  });
  if (demo_) demo_->addRoutes(router_);
  router_.add("POST", "/session/create",
              [this](const HttpRequest& r, const PathParams&) { return sessionCreate_.handle(r); });
  router_.add("GET", "/session/{sessionId}", [this](const HttpRequest& r, const PathParams& p) {
    return sessionInfo_.handle(r, p.find("sessionId")->second);
  });
  // The client's configuration service (docs/protocol.md §5.3): an empty object keeps its defaults.
  router_.add("GET", "/project/{apiKey}/config.json", [](const HttpRequest&, const PathParams&) {
    return HttpResponse::json(200, core::Json::object());
  });
  liveSessions_.addRoutes(router_);
  callbacks_.addRoutes(router_);
  if (archiveDownloads_) archiveDownloads_->addRoutes(router_);
  if (archives_) archives_->addRoutes(router_);
  if (whip_) whip_->addRoutes(router_);
  if (broadcasts_) broadcasts_->addRoutes(router_);
  unavailable_.addRoutes(router_);
}

core::Json ApiServer::archiveJson(const store::ArchiveRecord& archive) const {
  if (archives_) return archives_->render(archive);
  return session::ArchiveJson::render(archive, std::nullopt);
}

void ApiServer::prepare(HttpRequest& request) const {
  auto qmark = request.target.find('?');
  std::string rawPath = request.target.substr(0, qmark);
  request.query = qmark == std::string::npos ? "" : request.target.substr(qmark + 1);
  request.path = ProxyPath::strip(rawPath, basePath_, &request.proxiedHost);
}

void ApiServer::addCors(const HttpRequest& request, HttpResponse& response) {
  addCorsFor(request.header("Origin"), response);
}

void ApiServer::addCorsFor(std::optional<std::string_view> origin, HttpResponse& response) {
  response.setHeader("Access-Control-Allow-Origin", origin ? *origin : "*");
  if (origin) response.setHeader("Vary", "Origin");
}

HttpResponse ApiServer::preflight(const HttpRequest& request) {
  HttpResponse r = HttpResponse::empty(204);
  r.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  // Echo what the browser asks for: the client's custom X-TB-* and X-OPENTOK-AUTH headers.
  auto asked = request.header("Access-Control-Request-Headers");
  r.setHeader("Access-Control-Allow-Headers",
              asked ? std::string(*asked)
                    : "X-OPENTOK-AUTH, X-TB-VERSION, X-TB-CLIENT-VERSION, X-TB-CONNECTIONID, "
                      "X-TB-TOKEN-AUTH, Content-Type, Accept");
  r.setHeader("Access-Control-Max-Age", "600");
  return r;
}

HttpResponse ApiServer::dispatch(HttpRequest& request, Router::Cors& cors) {
  // Client analytics (docs/protocol.md §5.6): accepted and dropped, wherever the logging
  // URL points, from pages of any origin.
  if ((request.method == "POST" || request.method == "OPTIONS") &&
      (endsWith(request.path, "/logging/ClientEvent") ||
       endsWith(request.path, "/logging/ClientQos"))) {
    cors = Router::Cors::AnyOrigin;
    if (request.method == "POST") ClientEventLog::record(request);
    return request.method == "OPTIONS" ? preflight(request) : HttpResponse::empty(204);
  }
  auto match = router_.match(request.method, request.path);
  cors = match.cors;
  // A preflight for a same-origin route gets no CORS headers, so the browser never sends
  // the request it announced.
  if (request.method == "OPTIONS") {
    return cors == Router::Cors::AnyOrigin ? preflight(request) : HttpResponse::empty(204);
  }
  if (match.handler) {
    if (restForwarding_ && !request.forwarded) {
      if (auto elsewhere = restForwarding_(request, match.params)) return std::move(*elsewhere);
    }
    return (*match.handler)(request, match.params);
  }
  if (match.pathKnown) {
    HttpResponse r = HttpResponse::error(405, "Method not allowed");
    std::string allow;
    for (const auto& m : match.allowedMethods) allow += (allow.empty() ? "" : ", ") + m;
    r.setHeader("Allow", allow);
    return r;
  }
  return HttpResponse::error(404, "Not found", "No resource at " + request.path);
}

HttpResponse ApiServer::handle(HttpRequest& request) {
  auto started = std::chrono::steady_clock::now();
  prepare(request);

  HttpResponse response;
  // Errors thrown before the route is known keep the default: anyone may read a 500.
  Router::Cors cors = Router::Cors::AnyOrigin;
  try {
    response = dispatch(request, cors);
  } catch (const store::StoreError& e) {
    obs::Logger::error("storage failure", {{"path", request.path}, {"error", e.what()}});
    response = HttpResponse::error(500, "Internal error", "storage failure");
  } catch (const std::exception& e) {
    obs::Logger::error("handler failure", {{"path", request.path}, {"error", e.what()}});
    response = HttpResponse::error(500, "Internal error");
  }
  if (response.deferred) {
    // Answered later (another node's answer): CORS, metrics and the log line apply to that.
    auto inner = std::move(response.deferred);
    auto outer = std::make_shared<DeferredResponse>();
    inner->onReady([outer, cors, origin = std::string(request.header("Origin").value_or("")),
                    method = request.method, path = request.path, remote = request.remoteAddress,
                    started](HttpResponse later) {
      if (cors == Router::Cors::AnyOrigin)
        addCorsFor(origin.empty() ? std::nullopt : std::optional<std::string_view>(origin), later);
      countAndLog(method, path, remote, later.status, started);
      outer->complete(std::move(later));
    });
    response.deferred = std::move(outer);
    return response;
  }
  if (cors == Router::Cors::AnyOrigin) addCors(request, response);
  countAndLog(request.method, request.path, request.remoteAddress, response.status, started);
  return response;
}

void ApiServer::countAndLog(const std::string& method, const std::string& path,
                            const std::string& remote, int status,
                            std::chrono::steady_clock::time_point started) {
  auto& metrics = obs::Metrics::instance();
  metrics.counter("parley_http_requests_total", "HTTP requests answered").add();
  if (status >= 400)
    metrics.counter("parley_http_errors_total", "HTTP responses with status >= 400").add();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
  auto level = status >= 500   ? obs::Logger::Level::Error
               : status >= 400 ? obs::Logger::Level::Info
                               : obs::Logger::Level::Debug;
  obs::Logger::log(level, "http",
                   {{"method", method},
                    {"path", path},
                    {"status", status},
                    {"us", static_cast<long long>(micros)},
                    {"remote", remote}});
}

}  // namespace parley::http
