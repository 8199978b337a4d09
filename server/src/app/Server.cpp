#include "app/Server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "app/FileLimit.h"
#include "app/HeapTrimmer.h"
#include "app/LoopLagMonitor.h"
#include "app/NodeTakeover.h"
#include "app/ProjectAdmin.h"
#include "app/UrlSigningKey.h"
#include "cluster/ClusterNode.h"
#include "cluster/RedisError.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/TimerGrid.h"
#include "demo/Activation.h"
#include "http/ApiServer.h"
#include "http/HttpServer.h"
#include "media/Sfu.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "record/JobThread.h"
#include "record/Recorder.h"
#include "session/ArchiveJson.h"
#include "session/ArchiveManager.h"
#include "session/BroadcastJson.h"
#include "session/BroadcastManager.h"
#include "session/CallbackRecorder.h"
#include "session/SessionManager.h"
#include "session/WhipWhepClients.h"
#include "signaling/SignalingServer.h"
#include "store/StoreError.h"
#include "store/StoreFactory.h"
#include "webhook/CallbackDeliverer.h"
#include "webhook/TargetCheck.h"

namespace parley::app {

using obs::Logger;

int Server::run() {
  Logger::setLevel(*Logger::parseLevel(config_.logLevel));
  // One descriptor per client: take all the system allows, and never admit more clients
  // than fit beside the media sockets, the database and the webhooks.
  const FileLimit::Limits files = FileLimit::raise();
  std::size_t maxTcp = config_.maxTcpConnections;
  if (files.soft) {
    const std::size_t budget = FileLimit::connectionBudget(files.soft);
    if (maxTcp == 0 || maxTcp > budget) {
      if (maxTcp) {
        Logger::warn("--max-tcp-connections lowered to fit the open-file limit",
                     {{"requested", static_cast<long long>(maxTcp)},
                      {"allowed", static_cast<long long>(budget)},
                      {"fileLimit", static_cast<long long>(files.soft)}});
      }
      maxTcp = budget;
    }
  }
  std::error_code fsError;
  std::filesystem::create_directories(config_.dataDir, fsError);
  if (fsError) {
    Logger::error("cannot create data directory",
                  {{"dir", config_.dataDir}, {"error", fsError.message()}});
    return 1;
  }
  if (!config_.redis.empty() && config_.store.empty()) {
    Logger::error(
        "--redis needs --store postgresql://…: the nodes of a cluster share one database");
    return 1;
  }
  store::StoreLocation storeLocation;
  storeLocation.postgresUrl = config_.store;
  storeLocation.sqlitePath = (std::filesystem::path(config_.dataDir) / "parley.db").string();
  storeLocation.nodeId = config_.effectiveNodeId();
  // Archive download links are signed with a key kept in the data dir, so links handed out
  // before a restart keep working after it.
  std::string keyError;
  auto urlSigningKey = UrlSigningKey::loadOrCreate(config_.dataDir, &keyError);
  if (!urlSigningKey) {
    Logger::error("cannot load the URL signing key", {{"error", keyError}});
    return 1;
  }

  std::unique_ptr<store::Store> store;
  std::string demoApiKey;  // the project the demo's tokens belong to
  try {
    store = store::openStore(storeLocation);
    Logger::info("store opened",
                 {{"store", storeLocation.describe()}, {"nodeId", storeLocation.nodeId}});
    // Nodes sharing a database sign with one key: a link handed out by one node works on
    // every other (docs/cluster.md). The first node's key wins.
    if (!storeLocation.postgresUrl.empty()) {
      const std::string shared =
          store->settingOrInsert("url-signing-key", core::Crypto::toHex(*urlSigningKey));
      auto bytes = core::Crypto::fromHex(shared);
      if (!bytes || bytes->size() != UrlSigningKey::kBytes)
        throw store::StoreError("the shared URL-signing key in the database is malformed");
      urlSigningKey = std::move(*bytes);
    }
    ProjectAdmin projects(*store);
    if (!config_.apiKey.empty()) {
      if (projects.ensure(config_.apiKey, config_.apiSecret, "default"))
        Logger::info("project configured from flags", {{"apiKey", config_.apiKey}});
    } else if (auto created = projects.createFirst("default")) {
      const auto& project = *created;
      // Shown once: afterwards `parley project list` and `rotate-secret` manage it.
      std::printf(
          "Created a project for this server (shown only once):\n  API key: %s\n  API secret: %s\n",
          project.apiKey.c_str(), project.secret.c_str());
      std::fflush(stdout);
      Logger::info("project created on first start", {{"apiKey", project.apiKey}});
    }
    // The configured project, else the oldest one: the "default" of the first start.
    if (!config_.apiKey.empty()) {
      demoApiKey = config_.apiKey;
    } else if (auto all = store->listProjects(); !all.empty()) {
      demoApiKey = all.front().apiKey;
    }
  } catch (const store::StoreError& e) {
    Logger::error("cannot open the database",
                  {{"store", storeLocation.describe()}, {"error", e.what()}});
    return 1;
  }

  boost::asio::io_context io(1);
  auto secrets = [&store](std::string_view apiKey) -> std::optional<std::string> {
    auto project = store->findProject(apiKey);
    if (!project) return std::nullopt;
    return project->secret;
  };
  session::SessionManager sessions(*store, config_.sessionLimits, secrets);
  // Webhooks: the recorder fills the outbox on this thread; the deliverer POSTs it from
  // its own thread, over its own connection to the same database.
  std::unique_ptr<webhook::CallbackDeliverer> deliverer;
  try {
    webhook::CallbackDeliverer::Settings deliverySettings;
    deliverySettings.retry.base = config_.callbackRetryBase;
    deliverySettings.addresses = webhook::AddressPolicy(config_.allowPrivateCallbacks);
    deliverer = std::make_unique<webhook::CallbackDeliverer>(store::openStore(storeLocation),
                                                             deliverySettings);
  } catch (const store::StoreError& e) {
    Logger::error("cannot open the database",
                  {{"store", storeLocation.describe()}, {"error", e.what()}});
    return 1;
  }
  // The SFU: media workers for routed sessions, each on its own UDP port.
  std::unique_ptr<media::Sfu> sfu;
  try {
    media::Sfu::Settings sfuSettings;
    sfuSettings.announcedIp = config_.effectiveRtcIp();
    sfuSettings.bindIp = !config_.rtcIp.empty() ? "0.0.0.0" : config_.effectiveRtcIp();
    sfuSettings.basePort = config_.rtcPort;
    sfuSettings.workers =
        config_.rtcWorkers ? config_.rtcWorkers : std::max(1u, std::thread::hardware_concurrency());
    sfuSettings.testLossPercent = config_.rtcTestLossPercent;
    sfuSettings.udpSegmentation = config_.rtcGso;
    sfuSettings.schedulerSliceUs = config_.rtcSliceUs;
    sfuSettings.sessionSpread = config_.rtcSessionSpread;
    sfuSettings.announceUdp = config_.rtcUdp;
    sfuSettings.announceTcp = config_.rtcTcp;
    sfuSettings.cascadeAbove = config_.cascadeAbove;
    sfu = std::make_unique<media::Sfu>(io, sfuSettings);
  } catch (const std::exception& e) {
    Logger::error("cannot start the media workers", {{"error", e.what()}});
    return 1;
  }
  sessions.setMedia(sfu.get());
  sfu->start();
  if (config_.rtcTestLossPercent)
    Logger::warn("test loss enabled: media packets are dropped on purpose",
                 {{"percent", static_cast<long long>(config_.rtcTestLossPercent)}});
  session::CallbackRecorder callbackRecorder(*store, [&deliverer] { deliverer->nudge(); });
  // Connections and streams the last run never closed (it was killed) get their
  // "destroyed" webhooks before anyone can connect again.
  callbackRecorder.closeOutOpen(session::CallbackRecorder::kFailure);
  sessions.setListener(&callbackRecorder);
  // Archives: stream files are written on a recorder thread, packaged on a job thread;
  // both report back to this thread by posting.
  auto recorder = std::make_unique<record::Recorder>();
  auto packager = std::make_unique<record::JobThread>();
  session::ArchiveManager::Settings archiveSettings;
  archiveSettings.directory = (std::filesystem::path(config_.dataDir) / "archives").string();
  archiveSettings.maxRunning = config_.maxArchives;
  archiveSettings.maxPerSession = config_.maxArchivesPerSession;
  archiveSettings.maxDurationS = config_.archiveMaxDurationSeconds;
  archiveSettings.emptyStopS = config_.archiveIdleStopSeconds;
  session::ArchiveManager archives(
      *store, sessions, *sfu, *recorder, *packager,
      [&io](std::function<void()> fn) { boost::asio::post(io, std::move(fn)); }, archiveSettings);
  std::unique_ptr<http::ApiServer> api;
  // One node of a cluster: placement, heartbeats, REST and sockets between nodes (Redis).
  std::unique_ptr<cluster::ClusterNode> clusterNode;
  archives.setStatusListener([&](const store::ArchiveRecord& a) {
    callbackRecorder.archiveChanged(
        a.apiKey, api ? api->archiveJson(a) : session::ArchiveJson::render(a, std::nullopt));
  });
  sessions.addListener(&archives);
  sessions.setArchiveState([&archives](const std::string& id) { return archives.clientState(id); });
  // Archives a killed run left recording are packaged (or marked failed) before anyone
  // can ask for them.
  archives.recoverLeftovers();
  // Live broadcasts (docs/protocol.md §3.4.3): compositions on the same recorder thread, HLS
  // files under <dataDir>/broadcasts served by the API server. In memory only: what a killed
  // run left there goes.
  session::BroadcastManager::Settings broadcastSettings;
  broadcastSettings.directory = (std::filesystem::path(config_.dataDir) / "broadcasts").string();
  broadcastSettings.maxRunning = config_.maxBroadcasts;
  broadcastSettings.emptyStopS = config_.archiveIdleStopSeconds;
  // RTMP targets come from API callers: public addresses only, as webhooks, unless allowed.
  broadcastSettings.rtmpRefusal = [check = std::make_shared<webhook::TargetCheck>(
                                       webhook::AddressPolicy(config_.allowPrivateRtmp))](
                                      const std::string& host, std::uint16_t port) {
    return check->refusal(host, port, "RTMP streams", "--allow-private-rtmp");
  };
  session::BroadcastManager broadcasts(
      *store, sessions, *sfu, *recorder,
      [&io](std::function<void()> fn) { boost::asio::post(io, std::move(fn)); }, broadcastSettings);
  broadcasts.setStatusListener([&](const session::BroadcastManager::Broadcast& b) {
    if (clusterNode && b.status == "started") clusterNode->noteBroadcast(b.id, b.sessionId);
    callbackRecorder.broadcastChanged(
        b.apiKey, session::BroadcastJson::render(b, config_.effectivePublicUrl()));
  });
  sessions.addListener(&broadcasts);
  broadcasts.removeLeftovers();
  // WHIP publishers (docs/protocol.md §10): connections of the session without a socket.
  session::WhipWhepClients whip(sessions, session::WhipWhepClients::Settings{});
  boost::asio::steady_timer archiveTimer(io);
  std::function<void()> archiveTick = [&] {
    archiveTimer.expires_at(
        core::nextOnGrid(std::chrono::steady_clock::now(), std::chrono::seconds(1)));
    archiveTimer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      archives.tick();
      broadcasts.tick();
      whip.tick();
      archiveTick();
    });
  };
  archiveTick();
  deliverer->start();
  signaling::SignalingServer::Settings signalingSettings;
  signalingSettings.silenceTimeout = config_.signalingTimeout;
  signalingSettings.reconnectGrace = config_.reconnectGrace;
  signalingSettings.joinTimeout = config_.joinTimeout;
  signalingSettings.frameLimits.maxFrameBytes = config_.maxFrameBytes;
  signaling::SignalingServer signaling(io, sessions, signalingSettings);
  auto& metrics = obs::Metrics::instance();
  metrics.gauge("parley_live_sessions", "Sessions with connected clients",
                [&sessions] { return double(sessions.liveSessionCount()); });
  metrics.gauge("parley_connections", "Connected clients",
                [&sessions] { return double(sessions.connectionCount()); });
  metrics.gauge("parley_rumor_sockets", "Open Rumor WebSockets",
                [&signaling] { return double(signaling.socketCount()); });
  metrics.gauge("parley_media_transports", "WebRTC transports on the media workers", [&sfu] {
    double n = 0;
    for (const auto& w : sfu->workers()) n += double(w->load());
    return n;
  });
  http::HttpServer::Options httpOptions;
  httpOptions.host = config_.listenHost;
  httpOptions.port = config_.listenPort;
  httpOptions.maxBodyBytes = config_.maxBodyBytes;
  httpOptions.tlsCertFile = config_.tlsCert;
  httpOptions.tlsKeyFile = config_.tlsKey;
  httpOptions.maxWebSocketMessage = config_.maxFrameBytes;
  httpOptions.maxConnections = maxTcp;
  httpOptions.maxConnectionsPerAddress = config_.maxTcpPerIp;
  http::HttpServer httpServer(io, httpOptions,
                              [&api](http::HttpRequest& r) { return api->handle(r); });
  httpServer.setUpgradeHandler(
      [&](http::HttpRequest& r) -> std::shared_ptr<http::WebSocketHandler> {
        api->prepare(r);
        if (clusterNode) {
          bool refuse = false;
          if (auto relay = clusterNode->relayFor(r, refuse)) return relay;
          // A new socket gets a 404 (the client asks session info again, which names a live
          // node); a reconnection goes on to signaling, which does not know its socket and
          // closes it with 1011, telling the client at once that its connection is gone.
          if (refuse && r.queryParam("reconnect").value_or("") != "true") return nullptr;
        }
        return signaling.accept(r);
      });
  try {
    httpServer.start();
  } catch (const std::exception& e) {
    Logger::error("cannot start the HTTP server", {{"error", e.what()}});
    return 1;
  }
  if (config_.listenPort == 0) config_.listenPort = httpServer.port();
  std::string publicUrl = config_.effectivePublicUrl();
  const auto demo = demo::Activation::decide(config_.demo, config_.listenHost, publicUrl);
  http::ApiServer::Settings apiSettings;
  apiSettings.publicUrl = publicUrl;
  apiSettings.rtcIp = config_.effectiveRtcIp();
  apiSettings.rtcPort = sfu->stunPort();
  apiSettings.sdkDir = config_.sdkDir;
  apiSettings.demo.enabled = demo.enabled && !demoApiKey.empty();
  apiSettings.demo.apiKey = demoApiKey;
  apiSettings.demo.webDir = config_.webDir;
  apiSettings.callbackTargets =
      webhook::TargetCheck(webhook::AddressPolicy(config_.allowPrivateCallbacks));
  apiSettings.turn = {config_.turnUrls, config_.turnSecret, config_.turnTtlSeconds};
  apiSettings.videoCodec = config_.videoCodec;
  apiSettings.archivesDir = (std::filesystem::path(config_.dataDir) / "archives").string();
  apiSettings.urlSigningKey = std::move(*urlSigningKey);
  apiSettings.archiveUrlTtlSeconds = config_.archiveUrlTtlSeconds;
  if (!config_.turnUrls.empty())
    Logger::info("clients get TURN credentials",
                 {{"turnUrls", std::to_string(config_.turnUrls.size())},
                  {"ttlSeconds", std::to_string(config_.turnTtlSeconds)}});
  if (config_.allowPrivateCallbacks)
    Logger::warn(
        "webhooks may go to loopback, private and link-local addresses "
        "(--allow-private-callbacks): every project can make parleyd POST inside its network");
  api = std::make_unique<http::ApiServer>(std::move(apiSettings), *store, sessions, &archives,
                                          &whip, &broadcasts);
  if (!config_.redis.empty()) {
    cluster::ClusterNode::Settings clusterSettings;
    clusterSettings.nodeId = storeLocation.nodeId;
    clusterSettings.redisUrl = config_.redis;
    clusterSettings.publicUrl = publicUrl;
    clusterSettings.rtcIp = config_.effectiveRtcIp();
    clusterSettings.rtcPort = config_.rtcPort;
    clusterSettings.takeoverAfter = config_.nodeTimeout;
    clusterSettings.describeMedia = [&sfu](cluster::NodeRecord& r) {
      r.mediaIp = sfu->settings().announcedIp;
      r.mediaFingerprint = sfu->fingerprint();
      for (const auto& w : sfu->workers())
        r.mediaWorkers.push_back({w->port(), w->tcpPort(), static_cast<std::int64_t>(w->load())});
    };
    clusterNode = std::make_unique<cluster::ClusterNode>(
        io, clusterSettings, sessions, *store,
        [&api](http::HttpRequest& r) { return api->handle(r); });
    // Cascading: subscriber transports on other nodes' workers (docs/cluster.md).
    clusterNode->onMedia(
        [&sfu](const std::string& from, const core::Json& m) { sfu->onNodeMessage(from, m); },
        [&sfu](const std::set<std::string>& live) { sfu->keepNodes(live); });
    sfu->setNodeLink(&clusterNode->mediaLink());
    try {
      clusterNode->start();
    } catch (const cluster::RedisError& e) {
      Logger::error("cannot join the cluster", {{"redis", config_.redis}, {"error", e.what()}});
      return 1;
    }
    // Once per silent node, on whichever node swept it.
    auto takeover = std::make_shared<NodeTakeover>(
        storeLocation, [&deliverer] { deliverer->nudge(); },
        [&api](const store::ArchiveRecord& a) { return api->archiveJson(a); });
    clusterNode->setNodeGone([takeover](const std::string& nodeId) {
      takeover->takeOver(nodeId, core::Clock::nowMs());
    });
    api->setRestForwarding([&clusterNode](http::HttpRequest& r, const http::PathParams& p) {
      return clusterNode->routeRest(r, p);
    });
    api->setSessionOwnerUrl(
        [&clusterNode](const std::string& sessionId) { return clusterNode->ownerUrl(sessionId); });
    api->setArchiveNodeUrl(
        [&clusterNode](const std::string& nodeId) { return clusterNode->otherNodeUrl(nodeId); });
  }
  if (demo.exposed) {
    Logger::warn("the demo is enabled where others can reach it (" + demo.exposure +
                     "): anyone who reaches this server can mint tokens for its rooms, moderator "
                     "tokens included, through /demo/token",
                 {{"listen", config_.listenHost}, {"publicUrl", publicUrl}});
  }
  if (const auto* handler = api->demo()) {
    if (!handler->indexPage())
      Logger::warn("the demo web app is missing: / shows the plain index page",
                   {{"webDir", config_.webDir}});
    Logger::info("demo enabled", {{"apiKey", demoApiKey},
                                  {"files", static_cast<long long>(handler->files().loaded())}});
  }

  if (!std::filesystem::exists(std::filesystem::path(config_.sdkDir) / "parley.js"))
    Logger::warn("parley.js is not built: /sdk/ answers 404 (run `make sdk`)",
                 {{"sdkDir", config_.sdkDir}});
  HeapTrimmer heapTrimmer(io, {}, [&httpServer] { return httpServer.webSocketWork(); });
  heapTrimmer.start();
  LoopLagMonitor loopLag(io);
  loopLag.start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  auto shutDown = [&](int signal) {
    Logger::info("shutting down", {{"signal", signal}});
    if (clusterNode) {
      clusterNode->stop();
      sfu->setNodeLink(nullptr);
    }
    httpServer.stop();
    heapTrimmer.stop();
    loopLag.stop();
    archiveTimer.cancel();
    signaling.shutdown();
    sfu->stop();
    io.stop();
  };
  // In a cluster, SIGTERM first drains: clients move to other nodes (ClusterNode::drain)
  // while this one keeps serving them, for up to --drain-timeout or until none is left. A
  // second signal stops at once.
  boost::asio::steady_timer drainTimer(io);
  std::function<void(std::chrono::steady_clock::time_point, int)> waitForDrain =
      [&](std::chrono::steady_clock::time_point deadline, int signal) {
        if (sessions.connectionCount() == 0 || std::chrono::steady_clock::now() >= deadline) {
          Logger::info("drained",
                       {{"connectionsLeft", static_cast<long long>(sessions.connectionCount())}});
          shutDown(signal);
          return;
        }
        drainTimer.expires_after(std::chrono::milliseconds(250));
        drainTimer.async_wait([&, deadline, signal](const boost::system::error_code& ec) {
          if (!ec) waitForDrain(deadline, signal);
        });
      };
  std::function<void(const boost::system::error_code&, int)> onSignal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (clusterNode && !clusterNode->draining() && signal == SIGTERM &&
            config_.drainTimeout.count() > 0) {
          clusterNode->drain();
          waitForDrain(std::chrono::steady_clock::now() + config_.drainTimeout, signal);
          signals.async_wait(onSignal);
          return;
        }
        drainTimer.cancel();
        shutDown(signal);
      };
  signals.async_wait(onSignal);

  Logger::info("parleyd ready",
               {{"listen", config_.listenHost + ":" + std::to_string(config_.listenPort)},
                {"publicUrl", publicUrl},
                {"dataDir", config_.dataDir},
                {"tls", config_.tls()}});
  std::printf("parleyd is listening on %s\n", publicUrl.c_str());
  if (api->demo() && api->demo()->indexPage())
    std::printf("Demo video room: open %s/ in a browser\n", publicUrl.c_str());
  std::fflush(stdout);
  io.run();
  // Whoever is still connected gets its "destroyed" webhooks now, with a short chance to
  // deliver them; undelivered ones wait in the outbox for the next start. No session
  // event may follow them.
  sessions.setListener(nullptr);
  // Archives still running are stopped and packaged now: the recorder finishes every file
  // (the workers are stopped, so nothing more comes), what the files' and packages' threads
  // posted back is run, and what was still recording is packaged here.
  archives.stopComposers();
  recorder.reset();
  io.restart();
  io.poll();
  packager.reset();
  io.restart();
  io.poll();
  archives.finishAtShutdown();
  broadcasts.finishAtShutdown();
  const bool closedOut = callbackRecorder.closeOutOpen(session::CallbackRecorder::kShutdown) > 0;
  deliverer->stop(closedOut ? std::chrono::milliseconds(3000) : std::chrono::milliseconds(0));
  // Gauges read objects that are about to go away.
  metrics.gauge("parley_live_sessions", "Sessions with connected clients", {});
  if (clusterNode) metrics.gauge("parley_cluster_redis_up", "1 while this node reaches Redis", {});
  metrics.gauge("parley_connections", "Connected clients", {});
  metrics.gauge("parley_rumor_sockets", "Open Rumor WebSockets", {});
  metrics.gauge("parley_media_transports", "WebRTC transports on the media workers", {});
  sessions.setMedia(nullptr);
  sfu.reset();
  Logger::info("stopped");
  return 0;
}

}  // namespace parley::app
