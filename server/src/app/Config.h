#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/Result.h"
#include "session/SessionLimits.h"

namespace parley::app {

// parleyd's settings. Each flag has a PARLEY_* environment twin; a flag beats the
// environment, which beats the default.
struct Config {
  std::string listenHost = "127.0.0.1";
  std::uint16_t listenPort = 5080;
  std::string publicUrl;  // "" → derived from listen address and TLS
  std::uint16_t rtcPort = 5090;
  std::string rtcIp;        // "" → derived from the listen host
  unsigned rtcWorkers = 0;  // 0 → one per core
  unsigned rtcTestLossPercent = 0;
  bool rtcGso = true;
  unsigned rtcSliceUs = 100;  // --rtc-slice-us; 0 → the kernel's default slice
  unsigned rtcSessionSpread = 64;
  bool rtcUdp = true;  // --rtc-protocols
  bool rtcTcp = true;
  std::string dataDir = "./parley-data";
  std::string store;                   // "" → SQLite in dataDir; else a postgresql:// URL
  std::string nodeId;                  // "" → effectiveNodeId()
  std::string redis;                   // "" → a single node; else the cluster's Redis
  std::string sdkDir = "sdk/js/dist";  // parley.js bundles served at /sdk/
  std::string webDir = "web/demo";     // the demo web app served at / and /demo/
  std::optional<bool> demo;            // --demo / --no-demo; unset → on only if all loopback
  std::string apiKey;
  std::string apiSecret;
  std::string tlsCert;
  std::string tlsKey;
  std::string logLevel = "info";
  std::size_t maxBodyBytes = 1024 * 1024;
  std::size_t maxFrameBytes = 256 * 1024;
  std::chrono::milliseconds signalingTimeout{30000};
  std::chrono::milliseconds reconnectGrace{30000};
  std::chrono::milliseconds nodeTimeout{30000};   // --node-timeout (cluster takeover)
  std::chrono::milliseconds drainTimeout{30000};  // --drain-timeout (SIGTERM in a cluster)
  std::size_t cascadeAbove = 0;                   // --cascade-above (0: never)
  std::chrono::milliseconds joinTimeout{10000};
  std::size_t maxTcpConnections = 10000;  // 0 → bounded by the file descriptor limit only
  std::size_t maxTcpPerIp = 256;          // 0 → unlimited
  std::chrono::milliseconds callbackRetryBase{1000};  // first webhook retry; doubles per failure
  bool allowPrivateCallbacks = false;  // webhooks to loopback/private/link-local addresses
  bool allowPrivateRtmp = false;       // broadcasts' RTMP pushes to such addresses
  // TURN server handed to clients with short-lived credentials (coturn's use-auth-secret).
  std::vector<std::string> turnUrls;  // turn:/turns: URLs; a turn: URL without
                                      // ?transport= is listed for udp and for tcp
  std::string turnSecret;
  std::int64_t turnTtlSeconds = 86400;
  // The video codec of sessions whose project and creation request name none.
  std::string videoCodec = "vp8";
  std::int64_t archiveUrlTtlSeconds = 600;         // lifetime of signed archive download links
  std::int64_t archiveMaxDurationSeconds = 14400;  // a running archive stops after this
  std::int64_t archiveIdleStopSeconds = 60;        // ... or this long after its session empties
  std::size_t maxArchives = 20;                    // recording at once on this server
  std::size_t maxArchivesPerSession = 5;
  std::size_t maxBroadcasts = 20;  // live broadcasts running at once on this server
  session::SessionLimits sessionLimits;
  bool help = false;

  using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

  // Parses argv (without argv[0]) and the environment. Errors name the bad flag.
  static core::Result<Config> parse(const std::vector<std::string>& args, const EnvLookup& env);
  static EnvLookup processEnvironment();
  static std::string usage();

  bool tls() const { return !tlsCert.empty(); }
  // The base URL clients use: publicUrl without a trailing slash, or derived.
  std::string effectivePublicUrl() const;
  std::string effectiveRtcIp() const;
  // --node-id, else "<hostname>-<listen port>": stable across restarts, and distinct for
  // nodes sharing a machine.
  std::string effectiveNodeId() const;
};

}  // namespace parley::app
