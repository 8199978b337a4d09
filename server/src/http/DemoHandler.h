#pragma once

#include <functional>
#include <optional>
#include <string>

#include "demo/RequestThrottle.h"
#include "demo/RoomDirectory.h"
#include "demo/TokenIssuer.h"
#include "demo/WebFiles.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/Router.h"
#include "session/SessionCatalog.h"
#include "store/Store.h"

namespace parley::http {

// The demo video room over HTTP (docs/demo.md): GET /demo/token, the web app's files at
// /demo/<file>, and its page for /. ApiServer creates it only when the demo is enabled, so
// a disabled demo has no routes at all.
//
// A token is a credential, and the endpoint has no authentication, so it only answers
// the demo page itself: no CORS for it, and requests a browser marks as coming from
// another site (Origin, Sec-Fetch-Site) are refused before anything is minted. Clients
// are throttled per address.
class DemoHandler {
 public:
  struct Settings {
    std::string apiKey;     // the project its tokens belong to
    std::string webDir;     // the web app's files
    std::string publicUrl;  // the origin the demo page is served from
    demo::RequestThrottle::Limits throttle{};
    std::function<double()> now;  // seconds, monotonic; empty → steady clock
  };

  DemoHandler(store::Store& store, session::SessionCatalog& catalog, Settings settings);

  void addRoutes(Router& router);
  // The demo page, or nullptr when web/demo/index.html was not found at start.
  const demo::WebFiles::File* indexPage() const { return files_.find("index.html"); }
  HttpResponse token(const HttpRequest& request);
  HttpResponse file(std::string_view name) const;
  const demo::WebFiles& files() const { return files_; }

  // Why a browser's request comes from a page of another site (its Sec-Fetch-Site or
  // Origin header says so), or nullopt. Requests without either header are not from a
  // page of another site: browsers send Origin with every cross-origin fetch.
  std::optional<std::string> crossSiteCaller(const HttpRequest& request) const;

 private:
  Settings settings_;
  demo::RoomDirectory rooms_;
  demo::TokenIssuer issuer_;
  demo::WebFiles files_;
  demo::RequestThrottle throttle_;
};

}  // namespace parley::http
