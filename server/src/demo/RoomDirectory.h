#pragma once

#include <string>
#include <string_view>

#include "core/SessionProperties.h"
#include "session/SessionCatalog.h"
#include "store/SessionRecord.h"
#include "store/Store.h"

namespace parley::demo {

// The demo's room names, each bound to one session of a project for the life of the data
// directory (table demo_rooms): what a customer's backend keeps in its own database.
class RoomDirectory {
 public:
  RoomDirectory(store::Store& store, session::SessionCatalog& catalog)
      : store_(store), catalog_(catalog) {}

  struct Room {
    store::SessionRecord session;
    bool created = false;  // this call created the session
  };

  // The room's session; a room seen for the first time gets a new session created the way
  // POST /session/create does, in `modeIfNew`. Throws StoreError.
  Room open(std::string_view apiKey, std::string_view room, core::MediaMode modeIfNew);

 private:
  store::Store& store_;
  session::SessionCatalog& catalog_;
};

}  // namespace parley::demo
