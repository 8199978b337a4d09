#include "demo/RoomDirectory.h"

#include "store/StoreError.h"

namespace parley::demo {

RoomDirectory::Room RoomDirectory::open(std::string_view apiKey, std::string_view room,
                                        core::MediaMode modeIfNew) {
  if (auto sessionId = store_.findDemoRoom(apiKey, room)) {
    auto session = catalog_.find(*sessionId);
    if (!session) throw store::StoreError("demo room '" + std::string(room) + "' has no session");
    return {std::move(*session), false};
  }
  core::SessionProperties properties;
  properties.mediaMode = modeIfNew;
  store::SessionRecord created = catalog_.create(apiKey, properties);
  // Another process on the same data directory may have bound the room meanwhile: the
  // stored binding wins and the session just created stays unused.
  const std::string bound =
      store_.bindDemoRoom(apiKey, room, created.sessionId, created.createdAtMs);
  if (bound == created.sessionId) return {std::move(created), true};
  auto session = catalog_.find(bound);
  if (!session) throw store::StoreError("demo room '" + std::string(room) + "' has no session");
  return {std::move(*session), false};
}

}  // namespace parley::demo
