#include "http/BroadcastHandler.h"

#include <filesystem>

#include "http/OpenFile.h"
#include "record/HlsMuxer.h"
#include "session/BroadcastJson.h"

namespace parley::http {

namespace {

using core::Json;
using Status = session::BroadcastManager::Status;

using Requests = RecordingRequests;

HttpResponse noSuchFile() {
  return HttpResponse::error(404, "Not found", "No such broadcast stream or file");
}

}  // namespace

void BroadcastHandler::addRoutes(Router& router) {
  auto bind =
      [this](HttpResponse (BroadcastHandler::*method)(const HttpRequest&, const PathParams&)) {
        return Requests::authenticated(auth_, this, method);
      };
  const std::string base = "/v2/project/{apiKey}/broadcast";
  router.add("POST", base, bind(&BroadcastHandler::start));
  router.add("GET", base, bind(&BroadcastHandler::list));
  router.add("GET", base + "/{broadcastId}", bind(&BroadcastHandler::get));
  router.add("POST", base + "/{broadcastId}/stop", bind(&BroadcastHandler::stop));
  router.add("PATCH", base + "/{broadcastId}/streams", bind(&BroadcastHandler::streams));
  router.add("PUT", base + "/{broadcastId}/layout", bind(&BroadcastHandler::layout));
  router.add("GET", "/broadcast/{broadcastId}/hls/{file}",
             [this](const HttpRequest&, const PathParams& p) {
               return hlsFile(p.at("broadcastId"), p.at("file"));
             });
}

Json BroadcastHandler::render(const session::BroadcastManager::Broadcast& broadcast) const {
  return session::BroadcastJson::render(broadcast, publicUrl_);
}

HttpResponse BroadcastHandler::start(const HttpRequest& r, const PathParams& p) {
  auto body = Requests::jsonBody(r);
  if (!body) return Requests::badBody();
  auto options = core::BroadcastOptions::parse(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = broadcasts_.start(p.at("apiKey"), options.value());
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::json(200, render(*outcome.broadcast));
}

HttpResponse BroadcastHandler::list(const HttpRequest& r, const PathParams& p) {
  Requests::Paging paging;
  if (auto bad = Requests::readPaging(r, paging)) return *bad;
  const std::string sessionId = r.queryParam("sessionId").value_or("");
  auto page = broadcasts_.list(p.at("apiKey"), sessionId, paging.offset, paging.count);
  Json items = Json::array();
  for (const auto& b : page.items) items.push(render(b));
  return HttpResponse::json(
      200, Json::object({{"count", static_cast<long long>(page.total)}, {"items", items}}));
}

HttpResponse BroadcastHandler::get(const HttpRequest&, const PathParams& p) {
  auto broadcast = broadcasts_.find(p.at("apiKey"), p.at("broadcastId"));
  if (!broadcast) return HttpResponse::error(404, "Not found", "Broadcast not found");
  return HttpResponse::json(200, render(*broadcast));
}

HttpResponse BroadcastHandler::stop(const HttpRequest&, const PathParams& p) {
  auto outcome = broadcasts_.stop(p.at("apiKey"), p.at("broadcastId"));
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::json(200, render(*outcome.broadcast));
}

HttpResponse BroadcastHandler::streams(const HttpRequest& r, const PathParams& p) {
  Requests::StreamChange change;
  if (auto bad = Requests::readStreamChange(r, change)) return *bad;
  auto outcome =
      change.add ? broadcasts_.addStream(p.at("apiKey"), p.at("broadcastId"), change.streamId,
                                         change.hasAudio, change.hasVideo)
                 : broadcasts_.removeStream(p.at("apiKey"), p.at("broadcastId"), change.streamId);
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::empty(204);
}

HttpResponse BroadcastHandler::layout(const HttpRequest& r, const PathParams& p) {
  auto body = Requests::jsonBody(r);
  if (!body) return Requests::badBody();
  auto options = core::BroadcastOptions::parseLayout(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = broadcasts_.setLayout(p.at("apiKey"), p.at("broadcastId"), options.value());
  if (outcome.status != Status::Ok) return Requests::failure(outcome.status, outcome.message);
  return HttpResponse::empty(200);
}

bool BroadcastHandler::servedName(const std::string& file) {
  if (file == record::HlsMuxer::kPlaylistName) return true;
  constexpr std::string_view kPrefix = "segment";
  constexpr std::string_view kSuffix = ".ts";
  if (file.size() <= kPrefix.size() + kSuffix.size() || file.size() > 32) return false;
  if (file.compare(0, kPrefix.size(), kPrefix) != 0 ||
      file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return false;
  for (std::size_t i = kPrefix.size(); i < file.size() - kSuffix.size(); ++i)
    if (file[i] < '0' || file[i] > '9') return false;
  return true;
}

HttpResponse BroadcastHandler::hlsFile(const std::string& broadcastId,
                                       const std::string& file) const {
  if (!servedName(file)) return noSuchFile();
  const std::string directory = broadcasts_.hlsDirectory(broadcastId);
  if (directory.empty()) return noSuchFile();
  // The muxer writes each file under a temporary name and renames it into place: what is
  // opened here is whole, and stays readable while the muxer replaces or deletes it.
  auto opened = OpenFile::open((std::filesystem::path(directory) / file).string());
  if (!opened) return noSuchFile();
  const bool playlist = file == record::HlsMuxer::kPlaylistName;
  HttpResponse r = HttpResponse::file(200, opened, 0, opened->size(),
                                      playlist ? "application/vnd.apple.mpegurl" : "video/mp2t");
  // Players of any page: the broadcast's viewers are not the project's pages.
  r.setHeader("Access-Control-Allow-Origin", "*");
  // The playlist changes with every segment; a segment never changes.
  r.setHeader("Cache-Control", playlist ? "no-cache" : "public, max-age=60");
  return r;
}

}  // namespace parley::http
