#include "http/RecordingRequests.h"

#include <charconv>
#include <string_view>
#include <utility>

namespace parley::http {

using core::Json;

namespace {

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

}  // namespace

std::optional<Json> RecordingRequests::jsonBody(const HttpRequest& r) {
  if (r.body.empty()) return Json::object();
  auto body = Json::parse(r.body);
  if (!body || !body->isObject()) return std::nullopt;
  return body;
}

HttpResponse RecordingRequests::badBody() {
  return HttpResponse::error(400, "Invalid request", "The body must be a JSON object");
}

std::optional<HttpResponse> RecordingRequests::readPaging(const HttpRequest& r, Paging& out) {
  auto offset = queryNumber(r, "offset", 0, 1u << 30);
  auto count = queryNumber(r, "count", 50, 1000);
  if (!offset || !count)
    return HttpResponse::error(400, "Invalid request",
                               "offset must be a whole number and count one from 0 to 1000");
  out = Paging{*offset, *count};
  return std::nullopt;
}

std::optional<HttpResponse> RecordingRequests::readStreamChange(const HttpRequest& r,
                                                                StreamChange& out) {
  auto body = jsonBody(r);
  if (!body) return badBody();
  const Json* add = body->find("addStream");
  const Json* drop = body->find("removeStream");
  if ((add != nullptr) == (drop != nullptr) || (add && !add->isString()) ||
      (drop && !drop->isString()))
    return HttpResponse::error(400, "Invalid request",
                               "Give either addStream or removeStream, a stream ID");
  out.add = add != nullptr;
  out.streamId = add ? add->asString() : drop->asString();
  if (!add) return std::nullopt;
  for (auto [key, flag] :
       {std::pair{"hasAudio", &out.hasAudio}, std::pair{"hasVideo", &out.hasVideo}}) {
    const Json* v = body->find(key);
    if (!v || v->isNull()) continue;
    if (!v->isBool())
      return HttpResponse::error(400, "Invalid request",
                                 std::string(key) + " must be true or false");
    *flag = v->asBool();
  }
  return std::nullopt;
}

HttpResponse RecordingRequests::failure(session::RecordingStatus status,
                                        const std::string& message) {
  using Status = session::RecordingStatus;
  switch (status) {
    case Status::NotFound:
    case Status::SessionNotFound:
      return HttpResponse::error(404, message, message);
    case Status::Conflict:
      return HttpResponse::error(409, message, message);
    case Status::Invalid:
      return HttpResponse::error(400, message, message);
    case Status::NotAllowed:
      return HttpResponse::error(405, message, message);
    case Status::Unavailable:
    case Status::Ok:
      break;
  }
  // The SDKs show the message: it says what went wrong (the log has the details).
  return HttpResponse::error(500, message.empty() ? "Internal error" : message, message);
}

}  // namespace parley::http
