#pragma once

#include <cstdint>
#include <string>

#include "core/TokenVerifier.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "session/OutboundMessage.h"
#include "session/SessionCatalog.h"

namespace parley::http {

// GET /session/{sessionId}?extended=true — "get session info", the first call
// OpenTok.js makes (docs/protocol.md §5.4). Authenticated by the client token in X-OPENTOK-AUTH.
// Errors are HTTP 200 with an `error` element, which is what the client maps to its
// documented error codes (a non-2xx status would only produce a generic 2001).
class SessionInfoHandler {
 public:
  struct Settings {
    std::string publicUrl;  // e.g. http://127.0.0.1:5080
    std::string rtcIp;
    std::uint16_t rtcPort = 5090;
  };
  static constexpr std::string_view kRumorPath = "/rumorwebsocketsv2";

  SessionInfoHandler(Settings settings, core::TokenVerifier::SecretLookup secrets,
                     session::SessionCatalog& catalog)
      : settings_(std::move(settings)), secrets_(std::move(secrets)), catalog_(catalog) {}

  HttpResponse handle(const HttpRequest& request, const std::string& sessionId);

  static HttpResponse errorElement(int code, std::string_view message);

 private:
  Settings settings_;
  core::TokenVerifier::SecretLookup secrets_;
  session::SessionCatalog& catalog_;
};

}  // namespace parley::http
