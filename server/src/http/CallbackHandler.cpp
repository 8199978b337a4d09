#include "http/CallbackHandler.h"

#include <utility>

#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/HttpUrl.h"
#include "obs/Logger.h"

namespace parley::http {

namespace {

using core::Json;

HttpResponse invalid(std::string_view description) {
  return HttpResponse::error(400, "Invalid request", description);
}

}  // namespace

CallbackHandler::CallbackHandler(RestAuthenticator& auth, store::Store& store,
                                 webhook::TargetCheck targets, NowMs now)
    : auth_(auth), store_(store), targets_(std::move(targets)), now_(std::move(now)) {
  if (!now_) now_ = [] { return core::Clock::nowMs(); };
}

void CallbackHandler::addRoutes(Router& router) {
  using Method = HttpResponse (CallbackHandler::*)(const HttpRequest&, const PathParams&);
  auto bind = [this](Method method) {
    return [this, method](const HttpRequest& r, const PathParams& p) {
      auto outcome = auth_.authenticate(r, p.at("apiKey"));
      if (outcome.failure) return *outcome.failure;
      return (this->*method)(r, p);
    };
  };
  const std::string base = "/v2/project/{apiKey}/callback";
  router.add("POST", base, bind(&CallbackHandler::registerCallback));
  router.add("GET", base, bind(&CallbackHandler::listCallbacks));
  router.add("DELETE", base + "/{callbackId}", bind(&CallbackHandler::unregisterCallback));
}

Json CallbackHandler::toJson(const store::CallbackRegistration& callback) {
  return Json::object({{"id", callback.id},
                       {"group", callback.group},
                       {"event", callback.event},
                       {"url", callback.url},
                       {"createdAt", static_cast<long long>(callback.createdAtMs)}});
}

std::optional<std::string> CallbackHandler::validate(std::string_view group, std::string_view event,
                                                     std::string_view url) {
  // "archive"/"status" and "broadcast"/"status" are Parley's way to set the archive and
  // broadcast status callbacks (docs/protocol.md §4.2), which OpenTok configures in its
  // account pages.
  if (group == "archive" || group == "broadcast") {
    if (event != "status") return "the " + std::string(group) + " group's event is \"status\"";
  } else {
    if (group != "connection" && group != "stream")
      return "group must be \"connection\", \"stream\", \"archive\" or \"broadcast\"";
    if (event != "created" && event != "destroyed")
      return "event must be \"created\" or \"destroyed\"";
  }
  if (url.empty()) return "url is required";
  if (url.size() > kMaxUrlLength)
    return "url is longer than " + std::to_string(kMaxUrlLength) + " characters";
  if (!core::HttpUrl::parse(url))
    return "url must be an absolute http:// or https:// URL without credentials";
  return std::nullopt;
}

HttpResponse CallbackHandler::registerCallback(const HttpRequest& r, const PathParams& p) {
  auto body = Json::parse(r.body);
  if (!body || !body->isObject()) return invalid("The body must be a JSON object");
  // Absent or non-string members read as "" and fail validation with the member's name.
  const auto group = body->getString("group").value_or("");
  const auto event = body->getString("event").value_or("");
  const auto url = body->getString("url").value_or("");
  if (auto reason = validate(group, event, url)) return invalid(*reason);
  // Checked after the cheap syntax rules; delivery checks again (DNS answers change).
  if (auto refused = targets_.refusal(*core::HttpUrl::parse(url))) {
    obs::Logger::info("callback refused",
                      {{"apiKey", p.at("apiKey")}, {"url", url}, {"reason", *refused}});
    return invalid(*refused);
  }

  const std::string& apiKey = p.at("apiKey");
  const auto existing = store_.listCallbacks(apiKey);
  bool known = false;
  for (const auto& c : existing)
    known = known || (c.group == group && c.event == event && c.url == url);
  if (!known && existing.size() >= kMaxCallbacksPerProject)
    return invalid("A project can register at most " + std::to_string(kMaxCallbacksPerProject) +
                   " callbacks");

  store::CallbackRegistration callback;
  callback.id = core::Crypto::uuid4();
  callback.apiKey = apiKey;
  callback.group = group;
  callback.event = event;
  callback.url = url;
  callback.createdAtMs = now_();
  const store::CallbackRegistration stored = store_.insertCallback(callback);
  if (stored.id == callback.id) {
    obs::Logger::info("callback registered", {{"apiKey", apiKey},
                                              {"id", stored.id},
                                              {"group", stored.group},
                                              {"event", stored.event},
                                              {"url", stored.url}});
  }
  return HttpResponse::json(200, toJson(stored));
}

HttpResponse CallbackHandler::listCallbacks(const HttpRequest&, const PathParams& p) {
  Json list = Json::array();
  for (const auto& callback : store_.listCallbacks(p.at("apiKey"))) list.push(toJson(callback));
  return HttpResponse::json(200, list);
}

HttpResponse CallbackHandler::unregisterCallback(const HttpRequest&, const PathParams& p) {
  const std::string& apiKey = p.at("apiKey");
  const std::string& id = p.at("callbackId");
  if (!store_.deleteCallback(apiKey, id))
    return HttpResponse::error(404, "Not found", "No callback with that id in the project");
  obs::Logger::info("callback removed", {{"apiKey", apiKey}, {"id", id}});
  return HttpResponse::empty(204);
}

}  // namespace parley::http
