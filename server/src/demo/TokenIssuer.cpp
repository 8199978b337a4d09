#include "demo/TokenIssuer.h"

#include "core/FormData.h"
#include "core/TokenMinter.h"

namespace parley::demo {

std::string TokenIssuer::connectionData(std::string_view displayName) {
  return "name=" + core::FormData::encode(displayName);
}

core::Result<TokenIssuer::Issued> TokenIssuer::issue(const TokenRequest& request,
                                                     std::int64_t nowSeconds) {
  // Read per request: `parley project rotate-secret` on the same data directory applies
  // without a restart.
  const auto project = store_.findProject(apiKey_);
  if (!project) {
    return core::Result<Issued>::fail(core::Error::Code::UnknownProject,
                                      "the demo project " + apiKey_ + " no longer exists");
  }
  const RoomDirectory::Room room = rooms_.open(apiKey_, request.room, request.mediaModeIfNew);

  core::TokenMinter::Options options;
  options.role = request.role;
  options.createTime = nowSeconds;
  options.expireTime = nowSeconds + kTokenLifetimeSeconds;
  options.connectionData = connectionData(request.displayName);

  Issued issued;
  issued.apiKey = apiKey_;
  issued.sessionId = room.session.sessionId;
  issued.token = core::TokenMinter::jwt(apiKey_, project->secret, issued.sessionId, options);
  issued.mediaMode = room.session.properties.mediaMode;
  issued.roomCreated = room.created;
  return issued;
}

}  // namespace parley::demo
