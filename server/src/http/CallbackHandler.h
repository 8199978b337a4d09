#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/RestAuthenticator.h"
#include "http/Router.h"
#include "store/Store.h"
#include "webhook/TargetCheck.h"

namespace parley::http {

// Session-monitoring callback registration (docs/protocol.md §3.4.12, used by the Node SDK's
// registerCallback / listCallbacks / unregisterCallback): register, list and remove
// the URLs that webhooks of docs/protocol.md §4.1 go to.
class CallbackHandler {
 public:
  static constexpr std::size_t kMaxUrlLength = 2048;
  // Each event fans out to every URL on the control thread; keep that bounded.
  static constexpr std::size_t kMaxCallbacksPerProject = 50;

  using NowMs = std::function<std::int64_t()>;
  // `targets` decides which URLs' hosts are acceptable (public addresses by default).
  CallbackHandler(RestAuthenticator& auth, store::Store& store,
                  webhook::TargetCheck targets = webhook::TargetCheck(), NowMs now = {});

  void addRoutes(Router& router);

  HttpResponse registerCallback(const HttpRequest& r, const PathParams& p);
  HttpResponse listCallbacks(const HttpRequest& r, const PathParams& p);
  HttpResponse unregisterCallback(const HttpRequest& r, const PathParams& p);

  static core::Json toJson(const store::CallbackRegistration& callback);
  // Why a registration is not acceptable, or nullopt when it is. Shared with the CLI.
  static std::optional<std::string> validate(std::string_view group, std::string_view event,
                                             std::string_view url);

 private:
  RestAuthenticator& auth_;
  store::Store& store_;
  webhook::TargetCheck targets_;
  NowMs now_;
};

}  // namespace parley::http
