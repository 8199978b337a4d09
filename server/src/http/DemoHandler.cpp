#include "http/DemoHandler.h"

#include <cctype>
#include <chrono>
#include <cmath>

#include "core/ArchiveOptions.h"
#include "core/AsciiCase.h"
#include "core/Clock.h"
#include "core/HttpUrl.h"
#include "core/TokenVerifier.h"
#include "demo/TokenRequest.h"
#include "obs/Logger.h"
#include "session/ArchiveJson.h"
#include "session/BroadcastJson.h"

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

HttpResponse tooManyRequests(double wait, const std::string& what) {
  HttpResponse r = HttpResponse::error(429, "Too many requests",
                                       "too many " + what + " requested; try again later");
  r.setHeader("Retry-After", std::to_string(static_cast<long long>(std::ceil(wait))));
  return r;
}

// The REST API's statuses for the managers' refusals (docs/protocol.md §3.4.2, §3.4.3);
// Ok without a result, or a server that cannot record now: 503 `unavailable`.
HttpResponse refusal(session::RecordingStatus status, const std::string& message,
                     const char* unavailable, const char* gone) {
  using Status = session::RecordingStatus;
  switch (status) {
    case Status::NotFound:
    case Status::SessionNotFound:
      return HttpResponse::error(404, "Not found", message);
    case Status::Conflict:
      return HttpResponse::error(409, "Conflict", message);
    case Status::Invalid:
      return HttpResponse::error(400, "Invalid request", message);
    case Status::NotAllowed:
      return HttpResponse::error(405, "Method not allowed", message);
    default:
      return HttpResponse::error(503, unavailable, message.empty() ? gone : message);
  }
}

HttpResponse archiveRefusal(const session::ArchiveManager::Outcome& outcome) {
  return refusal(outcome.status, outcome.message, "Recording unavailable", "the archive is gone");
}

HttpResponse broadcastRefusal(const session::BroadcastManager::Outcome& outcome) {
  return refusal(outcome.status, outcome.message, "Broadcasting unavailable",
                 "the broadcast is gone");
}

HttpResponse noBroadcasts() {
  return HttpResponse::error(501, "Not implemented", "this server does not broadcast");
}

// Archive and broadcast ids are UUIDs; anything longer is not worth a look-up.
constexpr std::size_t kMaxArchiveIdLength = 64;

}  // namespace

DemoHandler::DemoHandler(store::Store& store, session::SessionCatalog& catalog, Settings settings)
    : store_(store),
      settings_(std::move(settings)),
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
  // Archives and broadcasts take the same three routes.
  using Start = HttpResponse (DemoHandler::*)(const HttpRequest&);
  using WithId = HttpResponse (DemoHandler::*)(const HttpRequest&, const std::string&);
  auto withId = [this](WithId action) {
    return [this, action](const HttpRequest& r, const PathParams& p) {
      return (this->*action)(r, p.find("id")->second);
    };
  };
  auto addThree = [&](const std::string& base, Start start, WithId stop, WithId get) {
    router.add(
        "POST", base,
        [this, start](const HttpRequest& r, const PathParams&) { return (this->*start)(r); },
        Router::Cors::SameOrigin);
    router.add("POST", base + "/{id}/stop", withId(stop), Router::Cors::SameOrigin);
    router.add("GET", base + "/{id}", withId(get), Router::Cors::SameOrigin);
  };
  addThree("/demo/archive", &DemoHandler::startArchive, &DemoHandler::stopArchive,
           &DemoHandler::archive);
  addThree("/demo/broadcast", &DemoHandler::startBroadcast, &DemoHandler::stopBroadcast,
           &DemoHandler::broadcast);
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
  if (const double wait = throttle_.admit(request.remoteAddress, settings_.now()); wait > 0)
    return tooManyRequests(wait, "demo tokens");
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

// ---- recording ----

std::optional<HttpResponse> DemoHandler::refuseCaller(const HttpRequest& request) {
  if (auto why = crossSiteCaller(request)) {
    return HttpResponse::error(
        403, "Forbidden",
        "the demo's moderator requests are only for the demo page itself (" + *why + ")");
  }
  if (const double wait = throttle_.admit(request.remoteAddress, settings_.now()); wait > 0)
    return tooManyRequests(wait, "demo requests");
  return std::nullopt;
}

std::optional<HttpResponse> DemoHandler::refuseUnlessModerator(const HttpRequest& request,
                                                               const std::string& sessionId) const {
  const auto token = request.header("X-Demo-Token");
  if (!token || token->empty()) {
    return HttpResponse::error(403, "Forbidden",
                               "this needs the room's moderator token in X-Demo-Token");
  }
  const auto verified = core::TokenVerifier::verify(
      *token,
      [this](std::string_view apiKey) -> std::optional<std::string> {
        auto project = store_.findProject(apiKey);
        return project ? std::optional(project->secret) : std::nullopt;
      },
      core::Clock::nowSeconds());
  if (!verified) {
    return HttpResponse::error(403, "Forbidden", "invalid token: " + verified.error().message);
  }
  if (verified->apiKey != settings_.apiKey || verified->sessionId != sessionId)
    return HttpResponse::error(403, "Forbidden", "the token is for another room");
  if (verified->role != core::Role::Moderator)
    return HttpResponse::error(403, "Forbidden",
                               "only a moderator can record or broadcast the room");
  return std::nullopt;
}

HttpResponse DemoHandler::archiveResponse(const store::ArchiveRecord& archive) const {
  std::optional<std::string> url;
  if (archive.status == "available" && archiveLink_) {
    if (std::string link = archiveLink_(archive.apiKey, archive.id); !link.empty())
      url = std::move(link);
  }
  HttpResponse r = HttpResponse::json(200, session::ArchiveJson::render(archive, url));
  // The link is a credential until it expires.
  r.setHeader("Cache-Control", "no-store");
  return r;
}

std::optional<HttpResponse> DemoHandler::findModeratedRoom(const HttpRequest& request,
                                                           std::string& room,
                                                           std::string& sessionId) {
  if (auto refused = refuseCaller(request)) return refused;
  const auto body = core::Json::parse(request.body);
  const auto named = body ? body->getString("room") : std::nullopt;
  if (!named || !demo::TokenRequest::isValidRoomName(*named))
    return HttpResponse::error(400, "Invalid request", R"(the body is {"room":"<room name>"})");
  const auto found = store_.findDemoRoom(settings_.apiKey, *named);
  if (!found) return HttpResponse::error(404, "Not found", "no room named " + *named);
  if (auto refused = refuseUnlessModerator(request, *found)) return refused;
  room = *named;
  sessionId = *found;
  return std::nullopt;
}

HttpResponse DemoHandler::startArchive(const HttpRequest& request) {
  std::string room;
  std::string sessionId;
  if (auto refused = findModeratedRoom(request, room, sessionId)) return *refused;
  if (!archives_) {
    return HttpResponse::error(501, "Not implemented", "this server does not record archives");
  }
  core::ArchiveOptions options;
  options.sessionId = sessionId;
  options.name = room;
  options.outputMode = core::ArchiveOptions::OutputMode::Composed;  // one MP4 to watch
  const auto outcome = archives_->start(settings_.apiKey, options);
  if (outcome.status != session::ArchiveManager::Status::Ok || !outcome.archive)
    return archiveRefusal(outcome);
  obs::Logger::info("demo archive started", {{"room", room}, {"archiveId", outcome.archive->id}});
  return archiveResponse(*outcome.archive);
}

HttpResponse DemoHandler::withModeratedArchive(
    const HttpRequest& request, const std::string& archiveId,
    const std::function<HttpResponse(const store::ArchiveRecord&)>& then) {
  if (auto refused = refuseCaller(request)) return *refused;
  const auto record = archiveId.size() > kMaxArchiveIdLength
                          ? std::nullopt
                          : store_.findArchive(settings_.apiKey, archiveId);
  if (!record) return HttpResponse::error(404, "Not found", "no such archive");
  if (auto refused = refuseUnlessModerator(request, record->sessionId)) return *refused;
  return then(*record);
}

HttpResponse DemoHandler::stopArchive(const HttpRequest& request, const std::string& archiveId) {
  return withModeratedArchive(request, archiveId, [&](const store::ArchiveRecord&) {
    if (!archives_)
      return HttpResponse::error(501, "Not implemented", "this server does not record archives");
    const auto outcome = archives_->stop(settings_.apiKey, archiveId);
    if (outcome.status != session::ArchiveManager::Status::Ok || !outcome.archive)
      return archiveRefusal(outcome);
    obs::Logger::info("demo archive stopped", {{"archiveId", archiveId}});
    return archiveResponse(*outcome.archive);
  });
}

HttpResponse DemoHandler::archive(const HttpRequest& request, const std::string& archiveId) {
  return withModeratedArchive(request, archiveId,
                              [&](const store::ArchiveRecord& a) { return archiveResponse(a); });
}

// ---- live broadcasting ----

HttpResponse DemoHandler::broadcastResponse(
    const session::BroadcastManager::Broadcast& broadcast) const {
  core::Json body = session::BroadcastJson::render(broadcast, settings_.publicUrl);
  body.set("viewerUrl", settings_.publicUrl + "/demo/viewer.html?broadcast=" + broadcast.id);
  HttpResponse r = HttpResponse::json(200, body);
  r.setHeader("Cache-Control", "no-store");
  return r;
}

HttpResponse DemoHandler::startBroadcast(const HttpRequest& request) {
  std::string room;
  std::string sessionId;
  if (auto refused = findModeratedRoom(request, room, sessionId)) return *refused;
  if (!broadcasts_) return noBroadcasts();
  core::BroadcastOptions options;
  options.sessionId = sessionId;
  options.hls = core::BroadcastOptions::Hls{};  // what the viewer page plays; no RTMP
  options.resolution = "640x480";
  options.layoutType = "bestFit";
  const auto outcome = broadcasts_->start(settings_.apiKey, options);
  if (outcome.status != session::BroadcastManager::Status::Ok || !outcome.broadcast)
    return broadcastRefusal(outcome);
  obs::Logger::info("demo broadcast started",
                    {{"room", room}, {"broadcastId", outcome.broadcast->id}});
  return broadcastResponse(*outcome.broadcast);
}

HttpResponse DemoHandler::withModeratedBroadcast(
    const HttpRequest& request, const std::string& broadcastId,
    const std::function<HttpResponse(const session::BroadcastManager::Broadcast&)>& then) {
  if (auto refused = refuseCaller(request)) return *refused;
  // Broadcasts live in the manager only: without one there is nothing to look up.
  if (!broadcasts_) return noBroadcasts();
  const auto found = broadcastId.size() > kMaxArchiveIdLength
                         ? std::nullopt
                         : broadcasts_->find(settings_.apiKey, broadcastId);
  if (!found) return HttpResponse::error(404, "Not found", "no such broadcast");
  if (auto refused = refuseUnlessModerator(request, found->sessionId)) return *refused;
  return then(*found);
}

HttpResponse DemoHandler::stopBroadcast(const HttpRequest& request,
                                        const std::string& broadcastId) {
  return withModeratedBroadcast(
      request, broadcastId, [&](const session::BroadcastManager::Broadcast&) {
        const auto outcome = broadcasts_->stop(settings_.apiKey, broadcastId);
        if (outcome.status != session::BroadcastManager::Status::Ok || !outcome.broadcast)
          return broadcastRefusal(outcome);
        obs::Logger::info("demo broadcast stopped", {{"broadcastId", broadcastId}});
        return broadcastResponse(*outcome.broadcast);
      });
}

HttpResponse DemoHandler::broadcast(const HttpRequest& request, const std::string& broadcastId) {
  return withModeratedBroadcast(
      request, broadcastId,
      [&](const session::BroadcastManager::Broadcast& b) { return broadcastResponse(b); });
}

}  // namespace parley::http
