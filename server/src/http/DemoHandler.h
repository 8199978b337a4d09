#pragma once

#include <string>

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
class DemoHandler {
 public:
  DemoHandler(store::Store& store, session::SessionCatalog& catalog, std::string apiKey,
              std::string webDir);

  void addRoutes(Router& router);
  // The demo page, or nullptr when web/demo/index.html was not found at start.
  const demo::WebFiles::File* indexPage() const { return files_.find("index.html"); }
  HttpResponse token(const HttpRequest& request);
  HttpResponse file(std::string_view name) const;
  const demo::WebFiles& files() const { return files_; }

 private:
  demo::RoomDirectory rooms_;
  demo::TokenIssuer issuer_;
  demo::WebFiles files_;
};

}  // namespace parley::http
