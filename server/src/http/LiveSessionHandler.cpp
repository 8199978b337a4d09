#include "http/LiveSessionHandler.h"

#include "core/SessionId.h"

namespace parley::http {

namespace {

using core::Json;
using Outcome = session::SessionManager::Outcome;

std::optional<Json> jsonBody(const HttpRequest& r) {
  if (r.body.empty()) return Json::object();
  auto body = Json::parse(r.body);
  if (!body || !body->isObject()) return std::nullopt;
  return body;
}

// The SDKs send booleans as JSON booleans or as the strings "true"/"false" (Ruby).
std::optional<bool> flexibleBool(const Json* v) {
  if (!v) return std::nullopt;
  if (v->isBool()) return v->asBool();
  if (v->isString() && v->asString() == "true") return true;
  if (v->isString() && v->asString() == "false") return false;
  return std::nullopt;
}

}  // namespace

void LiveSessionHandler::addRoutes(Router& router) {
  auto bind =
      [this](HttpResponse (LiveSessionHandler::*method)(const HttpRequest&, const PathParams&)) {
        return [this, method](const HttpRequest& r, const PathParams& p) {
          if (auto denied = authorize(r, p)) return *denied;
          return (this->*method)(r, p);
        };
      };
  const std::string base = "/v2/project/{apiKey}/session/{sessionId}";
  router.add("POST", base + "/signal", bind(&LiveSessionHandler::signal));
  router.add("POST", base + "/connection/{connectionId}/signal", bind(&LiveSessionHandler::signal));
  router.add("DELETE", base + "/connection/{connectionId}",
             bind(&LiveSessionHandler::forceDisconnect));
  router.add("GET", base + "/connection", bind(&LiveSessionHandler::listConnections));
  router.add("GET", base + "/stream", bind(&LiveSessionHandler::listStreams));
  router.add("PUT", base + "/stream", bind(&LiveSessionHandler::setLayoutClasses));
  router.add("GET", base + "/stream/{streamId}", bind(&LiveSessionHandler::getStream));
  router.add("POST", base + "/stream/{streamId}/mute", bind(&LiveSessionHandler::muteStream));
  router.add("POST", base + "/mute", bind(&LiveSessionHandler::muteAll));
  // Parley's own debug view of the SFU: per-transport and per-stream statistics.
  router.add("GET", base + "/media", bind(&LiveSessionHandler::mediaStats));
}

std::optional<HttpResponse> LiveSessionHandler::authorize(const HttpRequest& r,
                                                          const PathParams& p) {
  const std::string& apiKey = p.at("apiKey");
  auto outcome = auth_.authenticate(r, apiKey);
  if (outcome.failure) return outcome.failure;
  auto parts = core::SessionId::decode(p.at("sessionId"));
  if (!parts) return HttpResponse::error(400, "Invalid session ID");
  if (parts->apiKey != apiKey)
    return HttpResponse::error(403, "The session belongs to another project");
  return std::nullopt;
}

HttpResponse LiveSessionHandler::failure(const session::SessionManager::ActionResult& result) {
  switch (result.outcome) {
    case Outcome::NotFound:
      return HttpResponse::error(404, "Not found", result.message);
    case Outcome::Invalid:
      return HttpResponse::error(400, "Invalid request", result.message);
    case Outcome::TooLarge:
      return HttpResponse::error(413, "Request too large", result.message);
    case Outcome::Ok:
      break;
  }
  return HttpResponse::error(500, "Internal error");
}

HttpResponse LiveSessionHandler::signal(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return HttpResponse::error(400, "Invalid request", "The body must be a JSON object");
  const Json* type = body->find("type");
  const Json* data = body->find("data");
  if (data && !data->isString() && !data->isNull())
    return HttpResponse::error(400, "Invalid request", "data must be a string");
  std::optional<std::string_view> to;
  if (auto it = p.find("connectionId"); it != p.end()) to = it->second;
  auto result = sessions_.signalFromServer(p.at("sessionId"), to, type ? *type : Json(),
                                           data ? *data : Json());
  if (result.outcome != Outcome::Ok) return failure(result);
  return HttpResponse::empty(204);
}

HttpResponse LiveSessionHandler::forceDisconnect(const HttpRequest&, const PathParams& p) {
  auto result = sessions_.forceDisconnect(p.at("sessionId"), p.at("connectionId"));
  if (result.outcome != Outcome::Ok) return failure(result);
  return HttpResponse::empty(204);
}

HttpResponse LiveSessionHandler::listConnections(const HttpRequest&, const PathParams& p) {
  // OpenTok's shape (docs/protocol.md §3.4.6): connections in join order. A connection exists
  // here only once its `connection create` was accepted, so every one is "Connected"; a session
  // nobody is connected to lists nothing rather than answering 404.
  const std::string& sessionId = p.at("sessionId");
  Json items = Json::array();
  if (const auto* live = sessions_.session(sessionId)) {
    for (const auto& id : live->connectionOrder) {
      auto it = live->connections.find(id);
      if (it == live->connections.end()) continue;
      items.push(Json::object({{"connectionId", it->second.id},
                               {"connectionState", "Connected"},
                               {"createdAt", static_cast<long long>(it->second.creationTime)}}));
    }
  }
  const std::string& apiKey = p.at("apiKey");
  return HttpResponse::json(200, Json::object({{"count", static_cast<long long>(items.size())},
                                               {"projectId", apiKey},
                                               {"sessionId", sessionId},
                                               {"items", items}}));
}

HttpResponse LiveSessionHandler::listStreams(const HttpRequest&, const PathParams& p) {
  Json items = Json::array();
  for (const auto* s : sessions_.streams(p.at("sessionId"))) items.push(s->toRestJson());
  return HttpResponse::json(
      200, Json::object({{"count", static_cast<long long>(items.size())}, {"items", items}}));
}

HttpResponse LiveSessionHandler::mediaStats(const HttpRequest&, const PathParams& p) {
  return HttpResponse::json(200, sessions_.mediaStats(p.at("sessionId")));
}

HttpResponse LiveSessionHandler::getStream(const HttpRequest& r, const PathParams& p) {
  for (const auto* s : sessions_.streams(p.at("sessionId"))) {
    if (s->id != p.at("streamId")) continue;
    HttpResponse response = HttpResponse::json(200, s->toRestJson());
    // The Node SDK JSON-parses an already parsed body: give it text (docs/protocol.md §3.3).
    auto agent = r.header("User-Agent").value_or("");
    if (agent.rfind("OpenTok-Node-SDK/", 0) == 0) response.setHeader("Content-Type", "text/plain");
    return response;
  }
  return HttpResponse::error(404, "Not found", "No such stream in the session");
}

HttpResponse LiveSessionHandler::setLayoutClasses(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  const Json* items = body ? body->find("items") : nullptr;
  if (!items || !items->isArray() || items->size() == 0)
    return HttpResponse::error(400, "Invalid request",
                               "Expected {\"items\":[{\"id\",\"layoutClassList\"}]}");
  std::vector<std::pair<std::string, std::vector<std::string>>> changes;
  for (const auto& item : items->items()) {
    auto id = item.getString("id");
    const Json* list = item.find("layoutClassList");
    if (!id || !list || !list->isArray())
      return HttpResponse::error(400, "Invalid request", "Each item needs id and layoutClassList");
    std::vector<std::string> classes;
    for (const auto& c : list->items()) {
      if (!c.isString())
        return HttpResponse::error(400, "Invalid request", "layoutClassList holds strings");
      classes.push_back(c.asString());
    }
    changes.emplace_back(*id, std::move(classes));
  }
  // Check all first so that a bad item changes nothing.
  for (const auto& [id, classes] : changes) {
    bool found = false;
    for (const auto* s : sessions_.streams(p.at("sessionId"))) found = found || s->id == id;
    if (!found) return HttpResponse::error(404, "Not found", "No stream " + id + " in the session");
  }
  for (const auto& [id, classes] : changes)
    sessions_.setLayoutClasses(p.at("sessionId"), id, classes);
  return HttpResponse::empty(200);
}

HttpResponse LiveSessionHandler::muteStream(const HttpRequest&, const PathParams& p) {
  auto result = sessions_.muteStream(p.at("sessionId"), p.at("streamId"));
  if (result.outcome != Outcome::Ok) return failure(result);
  return HttpResponse::json(200, Json::object());
}

HttpResponse LiveSessionHandler::muteAll(const HttpRequest& r, const PathParams& p) {
  auto body = jsonBody(r);
  if (!body) return HttpResponse::error(400, "Invalid request", "The body must be a JSON object");
  auto active = flexibleBool(body->find("active"));
  if (!active) return HttpResponse::error(400, "Invalid request", "active must be true or false");
  std::vector<std::string> exclusions;
  for (const char* key : {"excludedStreamIds", "excludedStreams"}) {
    const Json* list = body->find(key);
    if (!list || list->isNull()) continue;
    if (!list->isArray())
      return HttpResponse::error(400, "Invalid request", std::string(key) + " must be an array");
    for (const auto& id : list->items()) {
      if (!id.isString())
        return HttpResponse::error(400, "Invalid request", "stream ids are strings");
      exclusions.push_back(id.asString());
    }
  }
  auto result = sessions_.muteAll(p.at("sessionId"), *active, exclusions);
  if (result.outcome != Outcome::Ok) return failure(result);
  return HttpResponse::json(200, Json::object());
}

}  // namespace parley::http
