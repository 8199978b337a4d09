#include "http/ArchiveHandler.h"

#include "session/ArchiveJson.h"

namespace parley::http {

namespace {

using core::Json;
using Status = session::ArchiveManager::Status;

using Requests = RecordingRequests;

}  // namespace

void ArchiveHandler::addRoutes(Router& router) {
  auto bind =
      [this](HttpResponse (ArchiveHandler::*method)(const HttpRequest&, const PathParams&)) {
        return Requests::authenticated(auth_, this, method);
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

HttpResponse ArchiveHandler::start(const HttpRequest& r, const PathParams& p) {
  auto body = Requests::jsonBody(r);
  if (!body) return Requests::badBody();
  auto options = core::ArchiveOptions::parse(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = archives_.start(p.at("apiKey"), options.value());
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::json(200, render(*outcome.archive));
}

HttpResponse ArchiveHandler::list(const HttpRequest& r, const PathParams& p) {
  Requests::Paging paging;
  if (auto bad = Requests::readPaging(r, paging)) return *bad;
  const std::string sessionId = r.queryParam("sessionId").value_or("");
  auto page = store_.listArchives(p.at("apiKey"), sessionId, paging.offset, paging.count);
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
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::empty(204);
}

HttpResponse ArchiveHandler::stop(const HttpRequest&, const PathParams& p) {
  auto outcome = archives_.stop(p.at("apiKey"), p.at("archiveId"));
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::json(200, render(*outcome.archive));
}

HttpResponse ArchiveHandler::streams(const HttpRequest& r, const PathParams& p) {
  Requests::StreamChange change;
  if (auto bad = Requests::readStreamChange(r, change)) return *bad;
  auto outcome = change.add
                     ? archives_.addStream(p.at("apiKey"), p.at("archiveId"), change.streamId,
                                           change.hasAudio, change.hasVideo)
                     : archives_.removeStream(p.at("apiKey"), p.at("archiveId"), change.streamId);
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::empty(204);
}

HttpResponse ArchiveHandler::layout(const HttpRequest& r, const PathParams& p) {
  auto body = Requests::jsonBody(r);
  if (!body) return Requests::badBody();
  auto options = core::ArchiveOptions::parseLayout(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = archives_.setLayout(p.at("apiKey"), p.at("archiveId"), options.value());
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::empty(200);
}

}  // namespace parley::http
