#pragma once

#include <cstdint>
#include <string>

#include "core/Result.h"
#include "core/SessionProperties.h"
#include "demo/RoomDirectory.h"
#include "demo/TokenRequest.h"
#include "store/Store.h"

namespace parley::demo {

// The demo's stand-in for a customer's backend: turns a room name and a display name into
// the three things OT.initSession and session.connect need, for one project of this server.
class TokenIssuer {
 public:
  struct Issued {
    std::string apiKey;
    std::string sessionId;
    std::string token;
    core::MediaMode mediaMode = core::MediaMode::Routed;
    bool roomCreated = false;
  };

  // Long enough for a meeting, short enough that a copied token soon stops working.
  static constexpr std::int64_t kTokenLifetimeSeconds = 4 * 3600;

  TokenIssuer(store::Store& store, RoomDirectory& rooms, std::string apiKey)
      : store_(store), rooms_(rooms), apiKey_(std::move(apiKey)) {}

  // Fails (UnknownProject) when the project is gone from the store. Throws StoreError.
  core::Result<Issued> issue(const TokenRequest& request, std::int64_t nowSeconds);

  // The connection data put into every token: "name=<display name>" form-encoded, the
  // convention of OpenTok's sample apps (read it with new URLSearchParams(data).get('name')).
  static std::string connectionData(std::string_view displayName);

  const std::string& apiKey() const { return apiKey_; }

 private:
  store::Store& store_;
  RoomDirectory& rooms_;
  std::string apiKey_;
};

}  // namespace parley::demo
