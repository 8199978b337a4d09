#pragma once

#include <string>

#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/RecordingRequests.h"
#include "http/RestAuthenticator.h"
#include "http/Router.h"
#include "session/BroadcastManager.h"

namespace parley::http {

// The live broadcast REST API (docs/protocol.md §3.4.3): start, stop, get, list, layout and
// stream choice in manual mode, with the success codes and errors the official SDKs expect;
// and the broadcasts' HLS streams, GET /broadcast/{id}/hls/{file}, which players fetch
// without credentials (the id, a random UUID, is the secret, as in OpenTok's HLS URLs).
class BroadcastHandler {
 public:
  BroadcastHandler(RestAuthenticator& auth, session::BroadcastManager& broadcasts,
                   std::string publicUrl)
      : auth_(auth), broadcasts_(broadcasts), publicUrl_(std::move(publicUrl)) {}

  void addRoutes(Router& router);
  core::Json render(const session::BroadcastManager::Broadcast& broadcast) const;
  // The HLS file `file` of a broadcast: the playlist or a segment, else 404.
  HttpResponse hlsFile(const std::string& broadcastId, const std::string& file) const;
  // Names the HLS muxer gives its files: the playlist, "segment" + digits + ".ts".
  static bool servedName(const std::string& file);

 private:
  HttpResponse start(const HttpRequest& r, const PathParams& p);
  HttpResponse list(const HttpRequest& r, const PathParams& p);
  HttpResponse get(const HttpRequest& r, const PathParams& p);
  HttpResponse stop(const HttpRequest& r, const PathParams& p);
  HttpResponse streams(const HttpRequest& r, const PathParams& p);
  HttpResponse layout(const HttpRequest& r, const PathParams& p);

  RestAuthenticator& auth_;
  session::BroadcastManager& broadcasts_;
  std::string publicUrl_;
};

}  // namespace parley::http
