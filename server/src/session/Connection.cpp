#include "session/Connection.h"

namespace parley::session {

core::Json Connection::toJson() const {
  core::Json permissions = core::Json::array();
  for (const auto& p : core::permissionsFor(role)) permissions.push(p);
  return core::Json::object({{"id", id},
                             {"creationTime", creationTime},
                             {"data", data},
                             {"permissions", permissions},
                             {"capablities", core::Json::object({{"supportsWebRTC", true}})}});
}

core::Json Connection::stateJson() const {
  return serialized.empty() ? toJson() : core::Json::raw(serialized);
}

core::Json Connection::toWebhookJson() const {
  return core::Json::object({{"id", id}, {"createdAt", creationTime}, {"data", data}});
}

}  // namespace parley::session
