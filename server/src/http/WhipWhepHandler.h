#pragma once

#include <string>

#include "core/TokenVerifier.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/Router.h"
#include "session/WhipIngest.h"

namespace parley::http {

// WHIP over HTTP (RFC 9725; docs/protocol.md §10): POST /whip/{sessionId} with an SDP offer
// and `Authorization: Bearer <client token>` answers 201 with the SFU's SDP answer and the
// resource's Location; DELETE on that Location ends the publication. The answer carries every
// candidate (the SFU is ICE-lite), so PATCH (trickle ICE, ICE restart) is refused with 405.
// Pages of any origin may call it (CORS), as WHIP players in browsers do.
class WhipHandler {
 public:
  static constexpr std::size_t kMaxOfferBytes = 64 * 1024;

  WhipHandler(core::TokenVerifier::SecretLookup secrets, session::WhipIngest& ingest,
              std::string basePath)
      : secrets_(std::move(secrets)), ingest_(ingest), basePath_(std::move(basePath)) {}

  void addRoutes(Router& router);

 private:
  HttpResponse publish(const HttpRequest& r, const PathParams& p);
  HttpResponse remove(const HttpRequest& r, const PathParams& p);
  HttpResponse patch(const HttpRequest& r, const PathParams& p);

  core::TokenVerifier::SecretLookup secrets_;
  session::WhipIngest& ingest_;
  std::string basePath_;  // the public URL's path, for Location
};

}  // namespace parley::http
