#pragma once

#include <optional>
#include <string>

#include "core/TokenVerifier.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/Router.h"
#include "session/WhipWhepClients.h"

namespace parley::http {

// WHIP and WHEP over HTTP (RFC 9725 and its playback sibling; docs/protocol.md §10):
//   POST /whip/{sessionId}            publish, `Authorization: Bearer <client token>`
//   POST /whep/{sessionId}/{streamId} watch one stream, likewise
// Each answers 201 with the SFU's SDP answer and the resource's Location; DELETE on that
// Location ends it. The answer carries every candidate (the SFU is ICE-lite), so PATCH (trickle
// ICE, ICE restart) is refused with 405. Pages of any origin may call them (CORS).
class WhipWhepHandler {
 public:
  static constexpr std::size_t kMaxOfferBytes = 64 * 1024;

  WhipWhepHandler(core::TokenVerifier::SecretLookup secrets, session::WhipWhepClients& clients,
                  std::string basePath)
      : secrets_(std::move(secrets)), clients_(clients), basePath_(std::move(basePath)) {}

  void addRoutes(Router& router);

 private:
  struct Offer {
    std::string apiKey;
    std::string token;
  };
  // Checks the token, content type and size of a POSTed offer for `sessionId`; a response
  // when it is refused.
  std::optional<HttpResponse> check(const HttpRequest& r, const std::string& sessionId,
                                    Offer& offer) const;
  HttpResponse answered(const session::WhipWhepClients::Outcome& out,
                        const std::string& location) const;
  HttpResponse remove(const HttpRequest& r, const PathParams& p);

  core::TokenVerifier::SecretLookup secrets_;
  session::WhipWhepClients& clients_;
  std::string basePath_;  // the public URL's path, for Location
};

}  // namespace parley::http
