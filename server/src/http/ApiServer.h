#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/ArchiveDownloadHandler.h"
#include "http/ArchiveHandler.h"
#include "http/BroadcastHandler.h"
#include "http/CallbackHandler.h"
#include "http/DemoHandler.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"
#include "http/LiveSessionHandler.h"
#include "http/RestAuthenticator.h"
#include "http/Router.h"
#include "http/SdkFiles.h"
#include "http/SessionCreateHandler.h"
#include "http/SessionInfoHandler.h"
#include "http/UnavailableFeatures.h"
#include "http/WhipWhepHandler.h"
#include "session/SessionCatalog.h"
#include "session/SessionManager.h"
#include "store/Store.h"

namespace parley::http {

// Everything parleyd answers over HTTP: the routes, and around them what every
// request gets — proxy-path normalisation, CORS, JSON errors, metrics, a log line.
class ApiServer {
 public:
  struct Settings {
    std::string publicUrl;  // without trailing slash
    std::string rtcIp;
    std::uint16_t rtcPort = 5090;
    std::string sdkDir = "sdk/js/dist";  // parley.js bundles served at /sdk/
    SessionInfoHandler::Turn turn{};     // TURN server handed to clients, if any
    std::string videoCodec = "vp8";      // sessions that name none (--video-codec)
    // The demo video room (docs/demo.md); off unless the caller decided it may run.
    struct Demo {
      bool enabled = false;
      std::string apiKey;  // the project its tokens belong to
      std::string webDir = "web/demo";
      demo::RequestThrottle::Limits throttle{};  // GET /demo/token per client address
    };
    Demo demo{};
    // Which webhook URLs registrations accept (public addresses by default).
    webhook::TargetCheck callbackTargets{};
    // Signed archive download links: both set → GET …/archive/{id}/download is served.
    std::string archivesDir{};    // holds <archiveId>.zip
    std::string urlSigningKey{};  // app/UrlSigningKey
    std::int64_t archiveUrlTtlSeconds = 600;
  };

  // Without `archives` (`broadcasts`), the archive (broadcast) API answers 501 like other
  // features parleyd lacks.
  ApiServer(Settings settings, store::Store& store, session::SessionManager& sessions,
            session::ArchiveManager* archives = nullptr, session::WhipWhepClients* whip = nullptr,
            session::BroadcastManager* broadcasts = nullptr);
  HttpResponse handle(HttpRequest& request);
  // Splits the query off and removes the public base path and any OpenTok.js proxy
  // prefix (docs/protocol.md §5.5) from request.path. handle() does it too; WebSocket upgrades
  // use it directly.
  void prepare(HttpRequest& request) const;
  // nullptr when the demo is disabled.
  const DemoHandler* demo() const { return demo_.get(); }
  // Builds archives' download links; nullptr without a signing key and archives dir.
  const ArchiveDownloadHandler* archiveDownloads() const { return archiveDownloads_.get(); }
  // The archive JSON as REST answers and callbacks carry it (with its download link).
  core::Json archiveJson(const store::ArchiveRecord& archive) const;

  // In a cluster: given a REST request and its route's parameters, the (deferred) answer
  // of the node the request belongs to, or nullopt to answer it here. Not consulted for
  // requests that were forwarded already.
  using RestForwarding =
      std::function<std::optional<HttpResponse>(HttpRequest&, const PathParams&)>;
  void setRestForwarding(RestForwarding forwarding) { restForwarding_ = std::move(forwarding); }
  // In a cluster: where session info sends a session's clients (SessionInfoHandler).
  void setSessionOwnerUrl(SessionInfoHandler::OwnerUrl ownerUrl) {
    sessionInfo_.setOwnerUrl(std::move(ownerUrl));
  }
  // In a cluster: where a download of an archive another node holds is redirected.
  void setArchiveNodeUrl(ArchiveDownloadHandler::NodeUrl nodeUrl) {
    if (archiveDownloads_) archiveDownloads_->setNodeUrl(std::move(nodeUrl));
  }

 private:
  // Answers the request; `cors` receives the route's CORS policy.
  HttpResponse dispatch(HttpRequest& request, Router::Cors& cors);
  void addRoutes();
  // Lets pages of any origin read the response. No Allow-Credentials: every route that
  // needs CORS is authenticated by a token in a header, never by cookies.
  static void addCors(const HttpRequest& request, HttpResponse& response);
  static void addCorsFor(std::optional<std::string_view> origin, HttpResponse& response);
  static void countAndLog(const std::string& method, const std::string& path,
                          const std::string& remote, int status,
                          std::chrono::steady_clock::time_point started);
  static HttpResponse preflight(const HttpRequest& request);

  Settings settings_;
  RestForwarding restForwarding_;
  std::string basePath_;
  store::Store& store_;
  session::SessionCatalog catalog_;
  RestAuthenticator auth_;
  SessionCreateHandler sessionCreate_;
  SessionInfoHandler sessionInfo_;
  LiveSessionHandler liveSessions_;
  CallbackHandler callbacks_;
  UnavailableFeatures unavailable_;
  SdkFiles sdk_;
  std::unique_ptr<DemoHandler> demo_;
  std::unique_ptr<ArchiveDownloadHandler> archiveDownloads_;
  std::unique_ptr<ArchiveHandler> archives_;
  std::unique_ptr<BroadcastHandler> broadcasts_;
  std::unique_ptr<WhipWhepHandler> whip_;
  Router router_;
};

}  // namespace parley::http
