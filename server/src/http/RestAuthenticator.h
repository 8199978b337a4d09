#pragma once

#include <optional>
#include <string>

#include "core/TokenVerifier.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "store/Store.h"

namespace parley::http {

// Checks the X-OPENTOK-AUTH JWT of a REST call against the store's projects and, for
// /v2/project/{key}/… paths, that the JWT's project is the one in the path.
class RestAuthenticator {
 public:
  explicit RestAuthenticator(store::Store& store) : store_(store) {}

  struct Outcome {
    std::string apiKey;                   // set on success
    std::optional<HttpResponse> failure;  // 403 JSON on failure
  };
  Outcome authenticate(const HttpRequest& request, std::string_view pathApiKey = {});

  core::TokenVerifier::SecretLookup secretLookup();

 private:
  store::Store& store_;
};

}  // namespace parley::http
