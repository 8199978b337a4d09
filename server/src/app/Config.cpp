#include "app/Config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "cluster/RedisConnection.h"
#include "core/SessionProperties.h"
#include "obs/Logger.h"

namespace parley::app {

namespace {

struct FlagSpec {
  std::string_view flag;
  std::string_view env;
  std::string_view arg;
  std::string_view help;
};

constexpr FlagSpec kFlags[] = {
    {"--listen", "PARLEY_LISTEN", "HOST:PORT",
     "HTTP and WebSocket address (default 127.0.0.1:5080)"},
    {"--public-url", "PARLEY_PUBLIC_URL", "URL",
     "base URL clients use to reach parleyd (default derived from --listen)"},
    {"--rtc-port", "PARLEY_RTC_PORT", "PORT",
     "first media UDP/TCP port (default 5090; worker i uses +i, STUN +workers)"},
    {"--rtc-ip", "PARLEY_RTC_IP", "IP",
     "media address announced to clients (default: listen host)"},
    {"--rtc-workers", "PARLEY_RTC_WORKERS", "N",
     "media worker threads, each on its own port (default: one per core)"},
    {"--rtc-protocols", "PARLEY_RTC_PROTOCOLS", "LIST",
     "media candidates offered: udp,tcp (default), udp or tcp (ICE-TCP only)"},
    {"--rtc-gso", "PARLEY_RTC_GSO", "on|off",
     "send a subscriber's packets of a frame as one segmented UDP message (default on)"},
    {"--rtc-slice-us", "PARLEY_RTC_SLICE_US", "US",
     "media workers ask the kernel for scheduler slices this short, so that they preempt "
     "other threads as soon as a packet arrives (Linux 6.12+; default 100, 0: the kernel's "
     "default)"},
    {"--rtc-session-spread", "PARLEY_RTC_SESSION_SPREAD", "N",
     "a session's new subscribers go to another worker once its own has N more media "
     "transports than the least loaded (default 64; 0: always the least loaded)"},
    {"--rtc-test-loss", "PARLEY_RTC_TEST_LOSS", "PERCENT",
     "testing only: drop this share of RTP packets each way (default 0)"},
    {"--data-dir", "PARLEY_DATA_DIR", "DIR", "SQLite database and files (default ./parley-data)"},
    {"--store", "PARLEY_STORE", "URL",
     "postgresql://… : keep projects, sessions, archives and webhooks in PostgreSQL, shared "
     "by the nodes of a cluster (default: SQLite in --data-dir)"},
    {"--redis", "PARLEY_REDIS", "URL",
     "redis://HOST:PORT or unix:///PATH: join the cluster of nodes meeting in this Redis "
     "(needs --store postgresql://…)"},
    {"--node-timeout", "PARLEY_NODE_TIMEOUT", "MS",
     "a cluster node silent this long is taken over by another: its webhooks are closed out, "
     "its claims released, its recordings failed (default 30000)"},
    {"--cascade-above", "PARLEY_CASCADE_ABOVE", "N",
     "in a cluster, once this node's media workers hold N transports, new publisher and "
     "subscriber transports go to the least loaded other node, and each stream crosses "
     "there once (default 0: never)"},
    {"--drain-timeout", "PARLEY_DRAIN_TIMEOUT", "MS",
     "in a cluster, SIGTERM first moves clients to other nodes for up to this long "
     "(default 30000; 0: stop at once)"},
    {"--node-id", "PARLEY_NODE_ID", "ID",
     "this node's name in a cluster, stable across restarts (default HOSTNAME-PORT)"},
    {"--sdk-dir", "PARLEY_SDK_DIR", "DIR",
     "parley.js bundles served at /sdk/ (default sdk/js/dist)"},
    {"--web-dir", "PARLEY_WEB_DIR", "DIR",
     "demo web app served at / and /demo/ (default web/demo)"},
    {"--demo", "PARLEY_DEMO", "",
     "serve the demo room and GET /demo/token even where others can reach it"},
    {"--no-demo", "", "",
     "never serve the demo (default: only when --listen and --public-url are loopback)"},
    {"--api-key", "PARLEY_API_KEY", "KEY", "make sure this project exists (with --api-secret)"},
    {"--api-secret", "PARLEY_API_SECRET", "SECRET", "secret of the --api-key project"},
    {"--tls-cert", "PARLEY_TLS_CERT", "FILE", "PEM certificate chain: serve HTTPS/WSS"},
    {"--tls-key", "PARLEY_TLS_KEY", "FILE", "PEM private key for --tls-cert"},
    {"--log-level", "PARLEY_LOG_LEVEL", "LEVEL", "debug, info, warn or error (default info)"},
    {"--max-body-bytes", "PARLEY_MAX_BODY_BYTES", "N",
     "largest HTTP request body accepted (default 1048576)"},
    {"--max-frame-bytes", "PARLEY_MAX_FRAME_BYTES", "N",
     "largest Rumor frame accepted (default 262144)"},
    {"--max-connections", "PARLEY_MAX_CONNECTIONS", "N", "connections per session (default 100)"},
    {"--max-streams", "PARLEY_MAX_STREAMS", "N", "streams per session (default 50)"},
    {"--signal-rate", "PARLEY_SIGNAL_RATE", "N",
     "signals per second per connection (default 20, burst 50)"},
    {"--signaling-timeout", "PARLEY_SIGNALING_TIMEOUT", "MS",
     "drop a client socket silent this long (default 30000)"},
    {"--reconnect-grace", "PARLEY_RECONNECT_GRACE", "MS",
     "keep a connection whose socket dropped this long (default 30000)"},
    {"--join-timeout", "PARLEY_JOIN_TIMEOUT", "MS",
     "close a Rumor socket that has not joined a session this long after opening (default 10000)"},
    {"--max-tcp-connections", "PARLEY_MAX_TCP_CONNECTIONS", "N",
     "open HTTP/WebSocket connections in all, 0 = only the fd limit (default 10000)"},
    {"--max-tcp-per-ip", "PARLEY_MAX_TCP_PER_IP", "N",
     "open HTTP/WebSocket connections from one IP, 0 = no limit (default 256)"},
    {"--callback-retry-ms", "PARLEY_CALLBACK_RETRY_MS", "MS",
     "first webhook retry delay, doubled per failure up to 5 min (default 1000)"},
    {"--allow-private-callbacks", "PARLEY_ALLOW_PRIVATE_CALLBACKS", "",
     "let webhooks go to loopback, private and link-local addresses (default: public only)"},
    {"--allow-private-rtmp", "PARLEY_ALLOW_PRIVATE_RTMP", "",
     "let broadcasts push RTMP to loopback, private and link-local addresses (default: public)"},
    {"--turn-url", "PARLEY_TURN_URL", "URL[,URL]",
     "TURN server for clients, repeatable: turn:HOST:PORT (udp and tcp), turns:HOST:443"},
    {"--turn-secret", "PARLEY_TURN_SECRET", "SECRET",
     "the TURN server's static-auth-secret; signs the credentials clients get"},
    {"--turn-ttl", "PARLEY_TURN_TTL", "SECONDS",
     "lifetime of the TURN credentials handed out (default 86400, 60..604800)"},
    {"--video-codec", "PARLEY_VIDEO_CODEC", "CODEC",
     "video codec publishers are asked to prefer where project and session say nothing: "
     "vp8 (default), vp9 or h264"},
    {"--archive-url-ttl", "PARLEY_ARCHIVE_URL_TTL", "SECONDS",
     "lifetime of the signed archive download links in archive JSON (default 600, 60..604800)"},
    {"--archive-max-duration", "PARLEY_ARCHIVE_MAX_DURATION", "SECONDS",
     "a running archive stops after this long (default 14400, 60..172800)"},
    {"--archive-idle-stop", "PARLEY_ARCHIVE_IDLE_STOP", "SECONDS",
     "a running archive stops when its session has been empty this long (default 60, 1..3600)"},
    {"--max-archives", "PARLEY_MAX_ARCHIVES", "N",
     "archives recording at once on this server (default 20, 1..1000)"},
    {"--max-archives-per-session", "PARLEY_MAX_ARCHIVES_PER_SESSION", "N",
     "archives recording at once in one session (default 5, 1..50)"},
    {"--max-broadcasts", "PARLEY_MAX_BROADCASTS", "N",
     "live broadcasts running at once on this server (default 20, 1..1000)"},
};

core::Result<Config> fail(std::string message) {
  return core::Result<Config>::fail(core::Error::Code::Invalid, std::move(message));
}

template <class Int>
bool parseInt(std::string_view s, Int& out, Int min, Int max) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < (long long)min || v > (long long)max)
    return false;
  out = static_cast<Int>(v);
  return true;
}

// Checks one turn:/turns: URL (RFC 7065: scheme, host, optional port and transport) and
// appends what clients get: a turn: URL without a transport once per transport, so clients
// behind a firewall that drops UDP still reach the TURN server over TCP.
std::optional<std::string> addTurnUrl(Config& c, std::string_view url) {
  std::string_view rest;
  bool tls = false;
  if (url.rfind("turn:", 0) == 0) {
    rest = url.substr(5);
  } else if (url.rfind("turns:", 0) == 0) {
    rest = url.substr(6);
    tls = true;
  } else {
    return "must start with turn: or turns:";
  }
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.empty() || rest.rfind("//", 0) == 0) return "expected turn:HOST[:PORT]";
  std::string_view host = rest;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return "bad IPv6 address";
    host = rest.substr(0, close + 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "expected turn:HOST[:PORT]";
  } else if (auto colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    rest = rest.substr(colon);
  } else {
    rest = {};
  }
  if (host.empty()) return "missing host";
  for (char ch : host)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' ||
          ch == '[' || ch == ']'))
      return "bad host";
  if (!rest.empty()) {
    std::uint16_t port = 0;
    if (!parseInt<std::uint16_t>(rest.substr(1), port, 1, 65535)) return "bad port";
  }
  if (!query.empty()) {
    if (query != "transport=udp" && query != "transport=tcp") return "bad ?transport= (udp or tcp)";
    if (tls && query == "transport=udp") return "turns: runs over tcp";
    c.turnUrls.emplace_back(url);
  } else if (tls) {
    c.turnUrls.emplace_back(url);
  } else {
    c.turnUrls.push_back(std::string(url) + "?transport=udp");
    c.turnUrls.push_back(std::string(url) + "?transport=tcp");
  }
  return std::nullopt;
}

// Applies one setting; `source` names where it came from for error messages.
std::optional<std::string> apply(Config& c, std::string_view flag, const std::string& value,
                                 std::string_view source) {
  auto bad = [&](std::string_view what) {
    return std::string(source) + ": " + std::string(what) + " (got \"" + value + "\")";
  };
  if (flag == "--listen") {
    auto colon = value.rfind(':');
    if (colon == std::string::npos || colon == 0) return bad("expected HOST:PORT");
    std::string host = value.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    std::uint16_t port = 0;
    if (!parseInt<std::uint16_t>(std::string_view(value).substr(colon + 1), port, 0, 65535))
      return bad("invalid port");
    c.listenHost = host;
    c.listenPort = port;
  } else if (flag == "--public-url") {
    if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0)
      return bad("must start with http:// or https://");
    c.publicUrl = value;
    while (!c.publicUrl.empty() && c.publicUrl.back() == '/') c.publicUrl.pop_back();
  } else if (flag == "--rtc-port") {
    if (!parseInt<std::uint16_t>(value, c.rtcPort, 1, 65535)) return bad("invalid port");
  } else if (flag == "--rtc-ip") {
    if (value.empty()) return bad("empty address");
    c.rtcIp = value;
  } else if (flag == "--rtc-workers") {
    if (!parseInt<unsigned>(value, c.rtcWorkers, 1, 64)) return bad("must be 1..64");
  } else if (flag == "--rtc-protocols") {
    if (value == "udp,tcp" || value == "tcp,udp")
      c.rtcUdp = c.rtcTcp = true;
    else if (value == "udp")
      c.rtcUdp = true, c.rtcTcp = false;
    else if (value == "tcp")
      c.rtcUdp = false, c.rtcTcp = true;
    else
      return bad("must be udp,tcp, udp or tcp");
  } else if (flag == "--rtc-gso") {
    if (value != "on" && value != "off") return bad("must be on or off");
    c.rtcGso = value == "on";
  } else if (flag == "--rtc-slice-us") {
    if (!parseInt<unsigned>(value, c.rtcSliceUs, 0, 100000) || (c.rtcSliceUs && c.rtcSliceUs < 100))
      return bad("must be 0 or 100..100000");
  } else if (flag == "--rtc-session-spread") {
    if (!parseInt<unsigned>(value, c.rtcSessionSpread, 0, 1000000))
      return bad("must be 0..1000000");
  } else if (flag == "--rtc-test-loss") {
    if (!parseInt<unsigned>(value, c.rtcTestLossPercent, 0, 50)) return bad("must be 0..50");
  } else if (flag == "--sdk-dir") {
    if (value.empty()) return bad("must not be empty");
    c.sdkDir = value;
  } else if (flag == "--web-dir") {
    if (value.empty()) return bad("must not be empty");
    c.webDir = value;
  } else if (flag == "--demo") {
    // The switch itself applies "on"; PARLEY_DEMO takes on, off or auto.
    if (value == "on" || value == "1" || value == "true")
      c.demo = true;
    else if (value == "off" || value == "0" || value == "false")
      c.demo = false;
    else if (value == "auto")
      c.demo.reset();
    else
      return bad("expected on, off or auto");
  } else if (flag == "--no-demo") {
    c.demo = false;
  } else if (flag == "--data-dir") {
    if (value.empty()) return bad("empty directory");
    c.dataDir = value;
  } else if (flag == "--store") {
    if (value.rfind("postgresql://", 0) != 0 && value.rfind("postgres://", 0) != 0)
      return bad("expected a postgresql:// URL");
    c.store = value;
  } else if (flag == "--cascade-above") {
    if (!parseInt<std::size_t>(value, c.cascadeAbove, 0, 1000000))
      return bad("expected 0 to 1000000 transports");
  } else if (flag == "--drain-timeout") {
    long long ms = 0;
    if (!parseInt<long long>(value, ms, 0, 3600000)) return bad("expected 0 to 3600000 ms");
    c.drainTimeout = std::chrono::milliseconds(ms);
  } else if (flag == "--node-timeout") {
    long long ms = 0;
    if (!parseInt<long long>(value, ms, 2000, 3600000)) return bad("expected 2000 to 3600000 ms");
    c.nodeTimeout = std::chrono::milliseconds(ms);
  } else if (flag == "--redis") {
    if (auto why = cluster::RedisConnection::validateUrl(value); !why.empty()) return bad(why);
    c.redis = value;
  } else if (flag == "--node-id") {
    if (value.empty() || value.size() > 64) return bad("expected 1 to 64 characters");
    for (char ch : value)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
        return bad("letters, digits, '-', '_' and '.' only");
    c.nodeId = value;
  } else if (flag == "--api-key") {
    if (value.empty() || value.size() > 64) return bad("invalid API key");
    for (char ch : value)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-'))
        return bad("invalid API key");
    c.apiKey = value;
  } else if (flag == "--api-secret") {
    if (value.size() < 8 || value.size() > 256) return bad("secret must be 8 to 256 characters");
    c.apiSecret = value;
  } else if (flag == "--tls-cert") {
    c.tlsCert = value;
  } else if (flag == "--tls-key") {
    c.tlsKey = value;
  } else if (flag == "--log-level") {
    if (!obs::Logger::parseLevel(value)) return bad("expected debug, info, warn or error");
    c.logLevel = value;
  } else if (flag == "--max-frame-bytes") {
    if (!parseInt<std::size_t>(value, c.maxFrameBytes, 1024, std::size_t(16) << 20))
      return bad("expected 1024 to 16777216");
  } else if (flag == "--max-connections") {
    if (!parseInt<std::size_t>(value, c.sessionLimits.maxConnectionsPerSession, 1, 100000))
      return bad("expected 1 to 100000");
  } else if (flag == "--max-streams") {
    if (!parseInt<std::size_t>(value, c.sessionLimits.maxStreamsPerSession, 1, 100000))
      return bad("expected 1 to 100000");
  } else if (flag == "--signal-rate") {
    int rate = 0;
    if (!parseInt<int>(value, rate, 1, 10000)) return bad("expected 1 to 10000");
    c.sessionLimits.signalsPerSecond = rate;
    c.sessionLimits.signalBurst = std::max(rate * 2.5, 1.0);
  } else if (flag == "--signaling-timeout" || flag == "--reconnect-grace") {
    long long ms = 0;
    if (!parseInt<long long>(value, ms, 100, 3600000)) return bad("expected 100 to 3600000 ms");
    (flag == "--signaling-timeout" ? c.signalingTimeout : c.reconnectGrace) =
        std::chrono::milliseconds(ms);
  } else if (flag == "--join-timeout") {
    long long ms = 0;
    if (!parseInt<long long>(value, ms, 100, 600000)) return bad("expected 100 to 600000 ms");
    c.joinTimeout = std::chrono::milliseconds(ms);
  } else if (flag == "--max-tcp-connections") {
    if (!parseInt<std::size_t>(value, c.maxTcpConnections, 0, 10000000))
      return bad("expected 0 to 10000000");
  } else if (flag == "--max-tcp-per-ip") {
    if (!parseInt<std::size_t>(value, c.maxTcpPerIp, 0, 10000000))
      return bad("expected 0 to 10000000");
  } else if (flag == "--allow-private-callbacks" || flag == "--allow-private-rtmp") {
    // The switch itself applies "on"; the environment variable takes on or off.
    bool& setting = flag == "--allow-private-rtmp" ? c.allowPrivateRtmp : c.allowPrivateCallbacks;
    if (value == "on" || value == "1" || value == "true")
      setting = true;
    else if (value == "off" || value == "0" || value == "false")
      setting = false;
    else
      return bad("expected on or off");
  } else if (flag == "--turn-url") {
    std::string_view list = value;
    while (true) {
      auto comma = list.find(',');
      std::string_view one = list.substr(0, comma);
      while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
      while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
      if (auto err = addTurnUrl(c, one)) return bad(*err);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  } else if (flag == "--turn-secret") {
    if (value.size() < 8 || value.size() > 256) return bad("secret must be 8 to 256 characters");
    c.turnSecret = value;
  } else if (flag == "--turn-ttl") {
    if (!parseInt<std::int64_t>(value, c.turnTtlSeconds, 60, 604800))
      return bad("expected 60 to 604800 seconds");
  } else if (flag == "--archive-url-ttl") {
    if (!parseInt<std::int64_t>(value, c.archiveUrlTtlSeconds, 60, 604800))
      return bad("expected 60 to 604800 seconds");
  } else if (flag == "--archive-max-duration") {
    if (!parseInt<std::int64_t>(value, c.archiveMaxDurationSeconds, 60, 172800))
      return bad("expected 60 to 172800 seconds");
  } else if (flag == "--archive-idle-stop") {
    if (!parseInt<std::int64_t>(value, c.archiveIdleStopSeconds, 1, 3600))
      return bad("expected 1 to 3600 seconds");
  } else if (flag == "--video-codec") {
    auto codec = core::parseVideoCodec(value);
    if (!codec) return bad("expected vp8, vp9 or h264");
    c.videoCodec = *codec;
  } else if (flag == "--max-archives") {
    if (!parseInt<std::size_t>(value, c.maxArchives, 1, 1000)) return bad("expected 1 to 1000");
  } else if (flag == "--max-broadcasts") {
    if (!parseInt<std::size_t>(value, c.maxBroadcasts, 1, 1000)) return bad("expected 1 to 1000");
  } else if (flag == "--max-archives-per-session") {
    if (!parseInt<std::size_t>(value, c.maxArchivesPerSession, 1, 50))
      return bad("expected 1 to 50");
  } else if (flag == "--callback-retry-ms") {
    long long ms = 0;
    if (!parseInt<long long>(value, ms, 10, 300000)) return bad("expected 10 to 300000 ms");
    c.callbackRetryBase = std::chrono::milliseconds(ms);
  } else if (flag == "--max-body-bytes") {
    if (!parseInt<std::size_t>(value, c.maxBodyBytes, 1024, std::size_t(1) << 30))
      return bad("expected 1024 to 1073741824");
  }
  return std::nullopt;
}

}  // namespace

core::Result<Config> Config::parse(const std::vector<std::string>& args, const EnvLookup& env) {
  Config c;
  for (const auto& f : kFlags) {
    if (f.env.empty()) continue;
    if (auto v = env(f.env)) {
      if (auto err = apply(c, f.flag, *v, f.env)) return fail(*err);
    }
  }
  bool turnUrlFlagSeen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      c.help = true;
      continue;
    }
    std::string flag(a), value;
    bool haveValue = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      flag = std::string(a.substr(0, eq));
      value = std::string(a.substr(eq + 1));
      haveValue = true;
    }
    const FlagSpec* spec = nullptr;
    for (const auto& f : kFlags)
      if (f.flag == flag) spec = &f;
    if (!spec) return fail("unknown argument: " + std::string(a) + " (see --help)");
    // --turn-url adds to a list: the first one on the command line replaces PARLEY_TURN_URL.
    if (spec->flag == "--turn-url" && !turnUrlFlagSeen) {
      c.turnUrls.clear();
      turnUrlFlagSeen = true;
    }
    if (spec->arg.empty()) {  // a switch
      if (haveValue) return fail(flag + " takes no value");
      value = "on";
    } else if (!haveValue) {
      if (i + 1 >= args.size()) return fail(flag + " needs a value");
      value = args[++i];
    }
    if (auto err = apply(c, spec->flag, value, flag)) return fail(*err);
  }
  if (c.tlsCert.empty() != c.tlsKey.empty()) return fail("--tls-cert and --tls-key go together");
  if (c.apiKey.empty() != c.apiSecret.empty())
    return fail("--api-key and --api-secret go together");
  if (c.turnUrls.empty() != c.turnSecret.empty())
    return fail("--turn-url and --turn-secret go together");
  if (c.listenPort == 0 && c.publicUrl.empty() && !c.help) {
    // Port 0 is allowed (tests pick free ports) but then the public URL cannot be derived
    // until bind time; the server fills it in after listening.
  }
  return c;
}

Config::EnvLookup Config::processEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // Read at start, before any other thread exists.
    const char* v = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
}

std::string Config::usage() {
  std::string out =
      "Usage: parleyd [options]\n"
      "\n"
      "Parley: a self-hosted video platform that speaks the OpenTok protocols.\n"
      "Serves the REST API and the client protocol on one origin, and routes media (SFU).\n"
      "\n"
      "Options (each also read from the environment variable shown):\n";
  for (const auto& f : kFlags) {
    std::string left = "  " + std::string(f.flag);
    if (!f.arg.empty()) left += " " + std::string(f.arg);
    left.resize(std::max<std::size_t>(left.size() + 1, 30), ' ');
    out += left + std::string(f.help);
    if (f.flag == "--demo")
      out += "  [" + std::string(f.env) + "=on|off|auto]\n";
    else if (f.flag == "--allow-private-callbacks" || f.flag == "--allow-private-rtmp")
      out += "  [" + std::string(f.env) + "=on|off]\n";
    else if (!f.env.empty())
      out += "  [" + std::string(f.env) + "]\n";
    else
      out += "\n";
  }
  out += "  --help                      show this text\n";
  out +=
      "\n"
      "On first start with an empty data directory and no --api-key, parleyd creates a\n"
      "project and prints its API key and secret once. Manage projects with `parley`.\n";
  return out;
}

std::string Config::effectivePublicUrl() const {
  if (!publicUrl.empty()) return publicUrl;
  std::string host = listenHost;
  if (host == "0.0.0.0" || host == "::" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(tls() ? "https://" : "http://") + host + ":" + std::to_string(listenPort);
}

std::string Config::effectiveRtcIp() const {
  if (!rtcIp.empty()) return rtcIp;
  if (listenHost == "0.0.0.0" || listenHost == "::" || listenHost.empty()) return "127.0.0.1";
  return listenHost;
}

std::string Config::effectiveNodeId() const {
  if (!nodeId.empty()) return nodeId;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "parleyd");
  std::string id;
  for (const char* p = host; *p && id.size() < 48; ++p) {
    const auto ch = static_cast<unsigned char>(*p);
    id += (std::isalnum(ch) || ch == '-' || ch == '.') ? static_cast<char>(ch) : '-';
  }
  return id + "-" + std::to_string(listenPort);
}

}  // namespace parley::app
