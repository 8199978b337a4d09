#include "http/RestAuthenticator.h"

#include "core/Clock.h"
#include "core/RestAuth.h"
#include "obs/Logger.h"

namespace parley::http {

core::TokenVerifier::SecretLookup RestAuthenticator::secretLookup() {
  return [this](std::string_view apiKey) -> std::optional<std::string> {
    auto project = store_.findProject(apiKey);
    if (!project) return std::nullopt;
    return project->secret;
  };
}

RestAuthenticator::Outcome RestAuthenticator::authenticate(const HttpRequest& request,
                                                           std::string_view pathApiKey) {
  Outcome out;
  auto header = request.header("X-OPENTOK-AUTH");
  if (!header || header->empty()) {
    out.failure =
        HttpResponse::error(403, "Authentication failed", "Missing X-OPENTOK-AUTH header");
    return out;
  }
  auto result = core::RestAuth::verify(*header, secretLookup(), core::Clock::nowSeconds());
  if (!result) {
    obs::Logger::info("rest auth rejected",
                      {{"path", request.path}, {"reason", result.error().message}});
    std::string_view message = result.error().code == core::Error::Code::UnknownProject
                                   ? "Issuer not found"
                                   : "Invalid token";
    out.failure = HttpResponse::error(403, message, result.error().message);
    return out;
  }
  if (!pathApiKey.empty() && pathApiKey != result.value()) {
    out.failure = HttpResponse::error(403, "Authentication failed",
                                      "The token's project does not match the URL");
    return out;
  }
  out.apiKey = result.value();
  return out;
}

}  // namespace parley::http
