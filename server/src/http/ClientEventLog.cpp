#include "http/ClientEventLog.h"

#include "core/Json.h"
#include "obs/LogLimiter.h"
#include "obs/Logger.h"

namespace parley::http {

namespace {

// A short printable id or name from the report, else "".
std::string field(const core::Json& object, std::string_view name) {
  auto v = object.getString(name);
  if (!v || v->size() > 128) return {};
  for (char c : *v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return {};
  return *v;
}

}  // namespace

bool ClientEventLog::record(const HttpRequest& request) {
  if (request.body.empty() || request.body.size() > kMaxBodyBytes) return false;
  // Cheap test first: most posts are other analytics.
  if (request.body.find("ReportIssue") == std::string::npos) return false;
  auto body = core::Json::parse(request.body);
  if (!body || !body->isObject() || body->getString("action") != "ReportIssue") return false;
  // OpenTok.js sends the payload as an object; older clients as JSON text.
  std::string id;
  if (const core::Json* payload = body->find("payload")) {
    if (payload->isObject()) {
      id = field(*payload, "reportIssueId");
    } else if (payload->isString()) {
      if (auto inner = core::Json::parse(payload->asString()); inner && inner->isObject())
        id = field(*inner, "reportIssueId");
    }
  }
  if (id.empty()) return false;
  static obs::LogLimiter limiter(std::chrono::seconds(10), 20);
  std::uint64_t suppressed = 0;
  if (!limiter.allow(&suppressed)) return true;
  obs::Logger::info("client reported an issue",
                    {{"reportIssueId", id},
                     {"sessionId", field(*body, "sessionId")},
                     {"connectionId", field(*body, "connectionId")},
                     {"partnerId", field(*body, "partnerId")},
                     {"remote", request.remoteAddress},
                     {"suppressed", static_cast<long long>(suppressed)}});
  return true;
}

}  // namespace parley::http
