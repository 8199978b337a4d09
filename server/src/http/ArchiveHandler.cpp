#include "http/ArchiveHandler.h"

#include <charconv>

#include "session/ArchiveJson.h"

namespace parley::http {

namespace {

using core::Json;
using Status = session::ArchiveManager::Status;

std::optional<Json> jsonBody(const HttpRequest& r) {
  if (r.body.empty()) return Json::object();
  auto body = Json::parse(r.body);
  if (!body || !body->isObject()) return std::nullopt;
  return body;
}

// A non-negative whole number of at most `max` from the query; nullopt when malformed.
std::optional<std::size_t> queryNumber(const HttpRequest& r, std::string_view name,
                                       std::size_t fallback, std::size_t max) {
  auto text = r.queryParam(name);
  if (!text || text->empty()) return fallback;
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || ptr != text->data() + text->size() || n > max) return std::nullopt;
  return n;
}

HttpResponse badBody() {
  return HttpResponse::error(400, "Invalid request", "The body must be a JSON object");
}

}  // namespace

void ArchiveHandler::addRoutes(Router& router) {
  auto bind =
      [this](HttpResponse (ArchiveHandler::*method)(const HttpRequest&, const PathParams&)) {
        return [this, method](const HttpRequest& r, const PathParams& p) {
          auto outcome = auth_.authenticate(r, p.at("apiKey"));
          if (outcome.failure) return *outcome.failure;
          return (this->*method)(r, p);
        };
      };
  const std::string base = "/v2/project/{apiKey}/archive";
  router.add("POST", base, bind(&ArchiveHandler::start));
  router.add("GET", base, bind(&ArchiveHandler::list));
  router.add("GET", base + "/{archiveId}", bind(&ArchiveHandler::get));
  router.add("DELETE", base + "/{archiveId}", bind(&ArchiveHandler::remove));
  router.add("POST", base + "/{archiveId}/stop", bind(&ArchiveHandler::stop));
  router.add("PATCH", base + "/{archiveId}/streams", bind(&ArchiveHandler::streams));
  router.add("PUT", base + "/{archiveId}/layout", bind(&ArchiveHandler::layout));
}

Json ArchiveHandler::render(const store::ArchiveRecord& archive) const {
  return session::ArchiveJson::render(archive, linkOf_ ? linkOf_(archive) : std::nullopt);
}

HttpResponse ArchiveHandler::failure(const session::ArchiveManager::Outcome& outcome) {
  switch (outcome.status) {
    case Status::NotFound:
    case Status::SessionNotFound:
      return HttpResponse::error(404, outcome.message, outcome.message);
    case Status::Conflict:
      return HttpResponse::error(409, outcome.message, outcome.message);
    case Status::Invalid:
      return HttpResponse::error(400, outcome.message, outcome.message);
    case Status::NotAllowed:
      return HttpResponse::error(405, outcome.message, outcome.message);
    case Status::Unavailable:
    case Status::Ok:
      break;
  }
  // The SDKs show the message: it says what went wrong (the log has the details).
  return HttpResponse::error(500, outcome.message.empty() ? "Internal error" : outcome.message,
                             outcome.message);
}

HttpResponse ArchiveHandler::start(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  auto options = core::ArchiveOptions::parse(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = archives_.start(p.at("apiKey"), options.value());
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::json(200, render(*outcome.archive));
}

HttpResponse ArchiveHandler::list(const HttpRequest& r, const PathParams& p) {
  auto offset = queryNumber(r, "offset", 0, 1u << 30);
  auto count = queryNumber(r, "count", 50, 1000);
  if (!offset || !count)
    return HttpResponse::error(400, "Invalid request",
                               "offset must be a whole number and count one from 0 to 1000");
  const std::string sessionId = r.queryParam("sessionId").value_or("");
  auto page = store_.listArchives(p.at("apiKey"), sessionId, *offset, *count);
  Json items = Json::array();
  for (const auto& a : page.items) items.push(render(a));
  return HttpResponse::json(
      200, Json::object({{"count", static_cast<long long>(page.total)}, {"items", items}}));
}

HttpResponse ArchiveHandler::get(const HttpRequest&, const PathParams& p) {
  auto archive = store_.findArchive(p.at("apiKey"), p.at("archiveId"));
  if (!archive) return HttpResponse::error(404, "Not found", "Archive not found");
  return HttpResponse::json(200, render(*archive));
}

HttpResponse ArchiveHandler::remove(const HttpRequest&, const PathParams& p) {
  auto outcome = archives_.remove(p.at("apiKey"), p.at("archiveId"));
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::empty(204);
}

HttpResponse ArchiveHandler::stop(const HttpRequest&, const PathParams& p) {
  auto outcome = archives_.stop(p.at("apiKey"), p.at("archiveId"));
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::json(200, render(*outcome.archive));
}

HttpResponse ArchiveHandler::streams(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  const Json* add = body->find("addStream");
  const Json* drop = body->find("removeStream");
  if ((add != nullptr) == (drop != nullptr) || (add && !add->isString()) ||
      (drop && !drop->isString()))
    return HttpResponse::error(400, "Invalid request",
                               "Give either addStream or removeStream, a stream ID");
  session::ArchiveManager::Outcome outcome;
  if (add) {
    bool hasAudio = true;
    bool hasVideo = true;
    for (auto [key, out] : {std::pair{"hasAudio", &hasAudio}, std::pair{"hasVideo", &hasVideo}}) {
      const Json* v = body->find(key);
      if (!v || v->isNull()) continue;
      if (!v->isBool())
        return HttpResponse::error(400, "Invalid request",
                                   std::string(key) + " must be true or false");
      *out = v->asBool();
    }
    outcome =
        archives_.addStream(p.at("apiKey"), p.at("archiveId"), add->asString(), hasAudio, hasVideo);
  } else {
    outcome = archives_.removeStream(p.at("apiKey"), p.at("archiveId"), drop->asString());
  }
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::empty(204);
}

HttpResponse ArchiveHandler::layout(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  auto options = core::ArchiveOptions::parseLayout(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = archives_.setLayout(p.at("apiKey"), p.at("archiveId"), options.value());
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::empty(200);
}

}  // namespace parley::http
