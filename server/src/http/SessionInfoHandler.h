#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

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
  // A TURN server sharing a secret with parleyd (coturn's use-auth-secret); off without urls.
  struct Turn {
    std::vector<std::string> urls;  // turn:/turns: URLs, all given the same credentials
    std::string secret;
    std::int64_t ttlSeconds = 86400;
  };
  struct Settings {
    std::string publicUrl;  // e.g. http://127.0.0.1:5080
    std::string rtcIp;
    std::uint16_t rtcPort = 5090;
    Turn turn{};
    std::string videoCodec = "vp8";  // of sessions whose project and creator named none
  };
  static constexpr std::string_view kRumorPath = "/rumorwebsocketsv2";

  SessionInfoHandler(Settings settings, core::TokenVerifier::SecretLookup secrets,
                     session::SessionCatalog& catalog)
      : settings_(std::move(settings)), secrets_(std::move(secrets)), catalog_(catalog) {}

  HttpResponse handle(const HttpRequest& request, const std::string& sessionId);

  // In a cluster: the public URL of the node that holds `sessionId` (placing it if needed),
  // whose messaging URL the client is sent to; "" for this node.
  using OwnerUrl = std::function<std::string(const std::string& sessionId)>;
  void setOwnerUrl(OwnerUrl ownerUrl) { ownerUrl_ = std::move(ownerUrl); }

  static HttpResponse errorElement(int code, std::string_view message);

  // The `ice_servers` list: the SFU's STUN port, then the TURN server with credentials for
  // `user` that expire ttlSeconds after `now` (unix seconds).
  core::Json iceServers(std::string_view user, std::int64_t now) const;
  // `ice_credential_expiration`: how long clients may keep using the list (seconds).
  std::int64_t iceCredentialExpiration() const;

 private:
  Settings settings_;
  core::TokenVerifier::SecretLookup secrets_;
  session::SessionCatalog& catalog_;
  OwnerUrl ownerUrl_;
};

}  // namespace parley::http
