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
#include "session/ArchiveManager.h"
#include "session/BroadcastManager.h"
#include "session/SessionCatalog.h"
#include "store/Store.h"

namespace parley::http {

// The demo video room over HTTP (docs/demo.md): GET /demo/token, the web app's files at
// /demo/<file>, and its page for /. ApiServer creates it only when the demo is enabled, so
// a disabled demo has no routes at all.
//
// Recording (POST /demo/archive, POST /demo/archive/{id}/stop, GET /demo/archive/{id}) is
// what a customer's backend does with the archive REST API for its hosts: it acts only for
// the holder of a moderator token of the room's session, sent in X-Demo-Token. Going live
// (POST /demo/broadcast, POST /demo/broadcast/{id}/stop, GET /demo/broadcast/{id}) is the
// same for the live broadcast REST API: an HLS broadcast of the room, watched at
// /demo/viewer.html?broadcast=<id>.
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

  // The signed download link of an available archive (ArchiveDownloadHandler::link).
  using ArchiveLink =
      std::function<std::string(const std::string& apiKey, const std::string& archiveId)>;

  DemoHandler(store::Store& store, session::SessionCatalog& catalog, Settings settings);

  // Recording in the demo room; without an archive manager the recording routes answer 501.
  void setArchives(session::ArchiveManager* archives, ArchiveLink link) {
    archives_ = archives;
    archiveLink_ = std::move(link);
  }

  // Live broadcasts of the demo room; without a broadcast manager those routes answer 501.
  void setBroadcasts(session::BroadcastManager* broadcasts) { broadcasts_ = broadcasts; }

  void addRoutes(Router& router);
  // The demo page, or nullptr when web/demo/index.html was not found at start.
  const demo::WebFiles::File* indexPage() const { return files_.find("index.html"); }
  HttpResponse token(const HttpRequest& request);
  HttpResponse file(std::string_view name) const;
  // POST /demo/archive {"room":…}: starts an individual archive of the room's session.
  HttpResponse startArchive(const HttpRequest& request);
  // POST /demo/archive/{id}/stop
  HttpResponse stopArchive(const HttpRequest& request, const std::string& archiveId);
  // Runs `then` on the project's archive `archiveId` when the caller is a moderator of its
  // session; otherwise answers the refusal.
  HttpResponse withModeratedArchive(
      const HttpRequest& request, const std::string& archiveId,
      const std::function<HttpResponse(const store::ArchiveRecord&)>& then);
  // GET /demo/archive/{id}: the archive JSON, with its download link once available.
  HttpResponse archive(const HttpRequest& request, const std::string& archiveId);
  // POST /demo/broadcast {"room":…}: starts an HLS broadcast of the room's session.
  HttpResponse startBroadcast(const HttpRequest& request);
  // POST /demo/broadcast/{id}/stop
  HttpResponse stopBroadcast(const HttpRequest& request, const std::string& broadcastId);
  // GET /demo/broadcast/{id}
  HttpResponse broadcast(const HttpRequest& request, const std::string& broadcastId);
  const demo::WebFiles& files() const { return files_; }

  // Why a browser's request comes from a page of another site (its Sec-Fetch-Site or
  // Origin header says so), or nullopt. Requests without either header are not from a
  // page of another site: browsers send Origin with every cross-origin fetch.
  std::optional<std::string> crossSiteCaller(const HttpRequest& request) const;

 private:
  // Refuses what /demo/token refuses (other sites' pages, clients over their budget).
  std::optional<HttpResponse> refuseCaller(const HttpRequest& request);
  // Refuses unless X-Demo-Token is a valid moderator token of `sessionId`.
  std::optional<HttpResponse> refuseUnlessModerator(const HttpRequest& request,
                                                    const std::string& sessionId) const;
  // The room a POST {"room":…} names, when the caller is its moderator: its name and session
  // into `room` and `sessionId`; otherwise the refusal.
  std::optional<HttpResponse> findModeratedRoom(const HttpRequest& request, std::string& room,
                                                std::string& sessionId);
  HttpResponse archiveResponse(const store::ArchiveRecord& archive) const;
  // Runs `then` on the project's broadcast `broadcastId` when the caller is a moderator of
  // its session; otherwise answers the refusal.
  HttpResponse withModeratedBroadcast(
      const HttpRequest& request, const std::string& broadcastId,
      const std::function<HttpResponse(const session::BroadcastManager::Broadcast&)>& then);
  // The broadcast JSON of the REST API plus "viewerUrl", the demo's viewer page for it.
  HttpResponse broadcastResponse(const session::BroadcastManager::Broadcast& broadcast) const;

  store::Store& store_;
  Settings settings_;
  demo::RoomDirectory rooms_;
  demo::TokenIssuer issuer_;
  demo::WebFiles files_;
  demo::RequestThrottle throttle_;
  session::ArchiveManager* archives_ = nullptr;
  ArchiveLink archiveLink_;
  session::BroadcastManager* broadcasts_ = nullptr;
};

}  // namespace parley::http
