#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/Result.h"
#include "core/SessionProperties.h"
#include "store/SessionRecord.h"
#include "store/Store.h"

namespace parley::session {

// Creates and finds session records: validation of the creation options, ID
// generation, persistence. Shared by the REST API and the operator CLI.
class SessionCatalog {
 public:
  using FieldLookup = std::function<std::optional<std::string>(std::string_view name)>;

  explicit SessionCatalog(store::Store& store) : store_(store) {}

  // Reads the POST /session/create fields (docs/protocol.md §3.4.1). The literal "null" counts as
  // absent (Vonage SDK). Unknown p2p.preference values fall back to the default
  // (relayed), as docs/protocol.md §3.3 says; everything else invalid is an error.
  static core::Result<core::SessionProperties> parseCreateOptions(const FieldLookup& field);

  // Generates a fresh ID for `apiKey` and stores the session. Throws StoreError.
  store::SessionRecord create(std::string_view apiKey, const core::SessionProperties& properties);
  std::optional<store::SessionRecord> find(std::string_view sessionId) {
    return store_.findSession(sessionId);
  }

 private:
  store::Store& store_;
};

}  // namespace parley::session
