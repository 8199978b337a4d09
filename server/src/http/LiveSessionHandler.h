#pragma once

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/RestAuthenticator.h"
#include "http/Router.h"
#include "session/SessionManager.h"

namespace parley::http {

// REST actions on live sessions (docs/protocol.md §3.4.4–§3.4.7): signals, force disconnect,
// connection and stream listing and layout classes, force mute — with the exact success codes the
// official SDKs check and the quirks of docs/protocol.md §3.3.
class LiveSessionHandler {
 public:
  LiveSessionHandler(RestAuthenticator& auth, session::SessionManager& sessions)
      : auth_(auth), sessions_(sessions) {}

  void addRoutes(Router& router);

 private:
  HttpResponse signal(const HttpRequest& r, const PathParams& p);
  HttpResponse forceDisconnect(const HttpRequest& r, const PathParams& p);
  HttpResponse listConnections(const HttpRequest& r, const PathParams& p);
  HttpResponse listStreams(const HttpRequest& r, const PathParams& p);
  HttpResponse getStream(const HttpRequest& r, const PathParams& p);
  HttpResponse setLayoutClasses(const HttpRequest& r, const PathParams& p);
  HttpResponse muteStream(const HttpRequest& r, const PathParams& p);
  HttpResponse muteAll(const HttpRequest& r, const PathParams& p);
  HttpResponse mediaStats(const HttpRequest& r, const PathParams& p);

  // Authenticates for the path's project and checks the session belongs to it.
  std::optional<HttpResponse> authorize(const HttpRequest& r, const PathParams& p);
  static HttpResponse failure(const session::SessionManager::ActionResult& result);

  RestAuthenticator& auth_;
  session::SessionManager& sessions_;
};

}  // namespace parley::http
