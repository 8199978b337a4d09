#include "http/BroadcastHandler.h"

#include <charconv>
#include <filesystem>

#include "http/OpenFile.h"
#include "record/HlsMuxer.h"
#include "session/BroadcastJson.h"

namespace parley::http {

namespace {

using core::Json;
using Status = session::BroadcastManager::Status;

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

HttpResponse noSuchFile() {
  return HttpResponse::error(404, "Not found", "No such broadcast stream or file");
}

}  // namespace

void BroadcastHandler::addRoutes(Router& router) {
  auto bind =
      [this](HttpResponse (BroadcastHandler::*method)(const HttpRequest&, const PathParams&)) {
        return [this, method](const HttpRequest& r, const PathParams& p) {
          auto outcome = auth_.authenticate(r, p.at("apiKey"));
          if (outcome.failure) return *outcome.failure;
          return (this->*method)(r, p);
        };
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

HttpResponse BroadcastHandler::failure(const session::BroadcastManager::Outcome& outcome) {
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
  return HttpResponse::error(500, outcome.message.empty() ? "Internal error" : outcome.message,
                             outcome.message);
}

HttpResponse BroadcastHandler::start(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  auto options = core::BroadcastOptions::parse(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = broadcasts_.start(p.at("apiKey"), options.value());
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::json(200, render(*outcome.broadcast));
}

HttpResponse BroadcastHandler::list(const HttpRequest& r, const PathParams& p) {
  auto offset = queryNumber(r, "offset", 0, 1u << 30);
  auto count = queryNumber(r, "count", 50, 1000);
  if (!offset || !count)
    return HttpResponse::error(400, "Invalid request",
                               "offset must be a whole number and count one from 0 to 1000");
  const std::string sessionId = r.queryParam("sessionId").value_or("");
  auto page = broadcasts_.list(p.at("apiKey"), sessionId, *offset, *count);
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
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::json(200, render(*outcome.broadcast));
}

HttpResponse BroadcastHandler::streams(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  const Json* add = body->find("addStream");
  const Json* drop = body->find("removeStream");
  if ((add != nullptr) == (drop != nullptr) || (add && !add->isString()) ||
      (drop && !drop->isString()))
    return HttpResponse::error(400, "Invalid request",
                               "Give either addStream or removeStream, a stream ID");
  session::BroadcastManager::Outcome outcome;
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
    outcome = broadcasts_.addStream(p.at("apiKey"), p.at("broadcastId"), add->asString(), hasAudio,
                                    hasVideo);
  } else {
    outcome = broadcasts_.removeStream(p.at("apiKey"), p.at("broadcastId"), drop->asString());
  }
  if (outcome.status != Status::Ok) return failure(outcome);
  return HttpResponse::empty(204);
}

HttpResponse BroadcastHandler::layout(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  auto options = core::BroadcastOptions::parseLayout(*body);
  if (!options) return HttpResponse::error(400, "Invalid request", options.error().message);
  auto outcome = broadcasts_.setLayout(p.at("apiKey"), p.at("broadcastId"), options.value());
  if (outcome.status != Status::Ok) return failure(outcome);
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
