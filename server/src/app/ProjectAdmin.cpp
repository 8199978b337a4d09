#include "app/ProjectAdmin.h"

#include "core/Clock.h"
#include "core/Credentials.h"
#include "store/StoreError.h"

namespace parley::app {

store::Project ProjectAdmin::create(std::string_view name) {
  store::Project p;
  p.name = name;
  p.secret = core::Credentials::newApiSecret();
  p.createdAtMs = core::Clock::nowMs();
  for (int attempt = 0; attempt < 20; ++attempt) {
    p.apiKey = core::Credentials::newApiKey();
    if (store_.findProject(p.apiKey)) continue;
    store_.insertProject(p);
    return p;
  }
  throw store::StoreError("could not find an unused API key");
}

bool ProjectAdmin::ensure(std::string_view apiKey, std::string_view secret, std::string_view name) {
  if (auto existing = store_.findProject(apiKey)) {
    if (existing->secret == secret) return false;
    store_.updateProjectSecret(apiKey, secret);
    return true;
  }
  store::Project p;
  p.apiKey = apiKey;
  p.secret = secret;
  p.name = name;
  p.createdAtMs = core::Clock::nowMs();
  try {
    store_.insertProject(p);
  } catch (const store::StoreError&) {
    // Another node started with the same flags at the same moment and inserted it first.
    auto existing = store_.findProject(apiKey);
    if (!existing) throw;
    if (existing->secret == secret) return false;
    store_.updateProjectSecret(apiKey, secret);
  }
  return true;
}

std::optional<store::Project> ProjectAdmin::createFirst(std::string_view name) {
  store::Project p;
  p.name = name;
  p.secret = core::Credentials::newApiSecret();
  p.createdAtMs = core::Clock::nowMs();
  p.apiKey = core::Credentials::newApiKey();
  if (!store_.insertProjectIfNone(p)) return std::nullopt;
  return p;
}

std::string ProjectAdmin::rotateSecret(std::string_view apiKey) {
  std::string secret = core::Credentials::newApiSecret();
  if (!store_.updateProjectSecret(apiKey, secret)) return {};
  return secret;
}

}  // namespace parley::app
