#include "http/SessionCreateHandler.h"

#include <ctime>

#include "core/FormData.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::http {

std::string SessionCreateHandler::formatCreateDate(std::int64_t epochMs) {
  std::time_t secs = static_cast<std::time_t>(epochMs / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

HttpResponse SessionCreateHandler::handle(const HttpRequest& request) {
  auto auth = auth_.authenticate(request);
  if (auth.failure) return *auth.failure;

  auto contentType = request.header("Content-Type").value_or("");
  if (!request.body.empty() && !contentType.empty() &&
      contentType.find("application/x-www-form-urlencoded") == std::string_view::npos) {
    return HttpResponse::error(
        400, "Invalid request",
        "POST /session/create takes an application/x-www-form-urlencoded body");
  }
  auto form = core::FormData::parse(request.body);
  if (!form) return HttpResponse::error(400, "Invalid request", "Malformed form body");
  auto properties = session::SessionCatalog::parseCreateOptions(
      [&](std::string_view name) { return form->get(name); });
  if (!properties) return HttpResponse::error(400, "Invalid request", properties.error().message);

  auto record = catalog_.create(auth.apiKey, properties.value());
  obs::Metrics::instance()
      .counter("parley_sessions_created_total", "Sessions created through the REST API or the CLI")
      .add();
  obs::Logger::info("session created",
                    {{"apiKey", record.apiKey},
                     {"sessionId", record.sessionId},
                     {"mediaMode", core::mediaModeName(record.properties.mediaMode)},
                     {"archiveMode", core::archiveModeName(record.properties.archiveMode)}});

  std::string createDate = formatCreateDate(record.createdAtMs);
  auto accept = request.header("Accept").value_or("");
  if (accept.find("application/json") != std::string_view::npos) {
    core::Json item = core::Json::object({
        {"session_id", record.sessionId},
        {"project_id", record.apiKey},
        {"partner_id", record.apiKey},
        {"create_dt", createDate},
        {"session_status", nullptr},
        {"status_invalid", nullptr},
        {"media_server_hostname", nullptr},
        {"messaging_server_url", nullptr},
        {"messaging_url", nullptr},
        {"symphony_address", nullptr},
        {"properties", nullptr},
        {"ice_server", nullptr},
        {"ice_servers", nullptr},
        {"ice_credential_expiration", 86100},
    });
    return HttpResponse::json(200, core::Json::array({item}));
  }
  // Session IDs and API keys are base64url/alphanumeric: nothing to escape in the XML.
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" "
      "standalone=\"yes\"?><sessions><Session><session_id>" +
      record.sessionId + "</session_id><partner_id>" + record.apiKey + "</partner_id><create_dt>" +
      createDate + "</create_dt></Session></sessions>";
  return HttpResponse::text(200, std::move(xml), "text/xml");
}

}  // namespace parley::http
