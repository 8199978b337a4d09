// `parley`: the operator CLI. Works directly on the data directory's SQLite file, so it
// can run next to a live parleyd (both use WAL mode and a busy timeout).
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "app/ProjectAdmin.h"
#include "cluster/NodeRegistry.h"
#include "cluster/RedisConnection.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/Json.h"
#include "core/Role.h"
#include "core/SessionProperties.h"
#include "core/TokenMinter.h"
#include "http/CallbackHandler.h"
#include "load/LoadOptions.h"
#include "load/LoadReport.h"
#include "load/LoadRunner.h"
#include "session/ArchiveJson.h"
#include "session/SessionCatalog.h"
#include "store/StoreError.h"
#include "store/StoreFactory.h"

namespace {

using parley::core::Json;

constexpr const char* kUsage =
    "Usage: parley [--data-dir DIR] [--store URL] COMMAND [options] [--json]\n"
    "\n"
    "Operator tool for a Parley data directory (default ./parley-data or $PARLEY_DATA_DIR),\n"
    "or with --store postgresql://… (or $PARLEY_STORE) for the PostgreSQL a cluster shares.\n"
    "\n"
    "Commands:\n"
    "  project create [--name NAME] [--video-codec vp8|vp9|h264]\n"
    "                                          new project; prints its API key and secret\n"
    "  project list                            API keys, names and video codecs\n"
    "  project rotate-secret --project KEY     new secret; the old one stops working\n"
    "  project set-codec --project KEY --video-codec vp8|vp9|h264|default\n"
    "                                          codec new sessions ask publishers to prefer\n"
    "                                          (default: parleyd's --video-codec)\n"
    "  session create --project KEY [--media-mode routed|relayed] [--archive-mode manual|always]\n"
    "                 [--location IPV4] [--e2ee] [--video-codec vp8|vp9|h264]\n"
    "  token create --session ID [--role subscriber|publisher|publisheronly|moderator]\n"
    "               [--data TEXT] [--expire UNIX_SECONDS] [--layout CLASSES] [--format jwt|t1]\n"
    "  callback add --project KEY --group connection|stream|archive|broadcast\n"
    "               --event created|destroyed (archive, broadcast: status) --url URL\n"
    "  callback list --project KEY                session-monitoring webhooks of a project\n"
    "  callback remove --project KEY --id ID\n"
    "  archive list --project KEY [--session ID] [--offset N] [--count N]\n"
    "                                          archives, newest first (count: 1-1000, default 50)\n"
    "  archive get --project KEY --id ID\n"
    "  archive download --project KEY --id ID [--out FILE] [--force]\n"
    "                                          copies an available archive's ZIP (default\n"
    "                                          ./ID.zip; --force overwrites FILE)\n"
    "  archive delete --project KEY --id ID    removes the archive and its files (not while\n"
    "                                          it is recording or being packaged)\n"
    "\n"
    "  node list [--redis URL]                 the cluster's live nodes and their load (Redis:\n"
    "                                          --redis or $PARLEY_REDIS; docs/cluster.md)\n"
    "  node drain ID [--redis URL]             the node's clients move to the other nodes\n"
    "\n"
    "  load [options]                          simulated WebRTC clients against a server;\n"
    "                                          `parley load --help` lists the options\n"
    "\n"
    "--json prints machine-readable output.\n";

struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> options;  // --name value; flags map to "true"
};

int usageError(const std::string& message) {
  std::fprintf(stderr, "parley: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

void print(bool json, const Json& value, const std::string& human) {
  if (json)
    std::printf("%s\n", value.dump().c_str());
  else
    std::printf("%s", human.c_str());
}

std::string option(const Args& a, const std::string& name, const std::string& fallback = {}) {
  auto it = a.options.find(name);
  return it == a.options.end() ? fallback : it->second;
}

int projectCommand(parley::store::Store& store, const Args& a, bool json) {
  parley::app::ProjectAdmin admin(store);
  const std::string& verb = a.words.size() > 1 ? a.words[1] : "";
  // "" for "default" (the server's --video-codec); nullopt when the option is wrong.
  auto videoCodec = [&]() -> std::optional<std::string> {
    const std::string value = option(a, "--video-codec");
    if (value.empty() || value == "default") return std::string();
    return parley::core::parseVideoCodec(value);
  };
  if (verb == "create") {
    auto codec = videoCodec();
    if (!codec) return usageError("--video-codec is vp8, vp9 or h264");
    auto p = admin.create(option(a, "--name", "default"));
    if (!codec->empty()) store.updateProjectVideoCodec(p.apiKey, *codec);
    print(json,
          Json::object({{"apiKey", p.apiKey},
                        {"apiSecret", p.secret},
                        {"name", p.name},
                        {"videoCodec", *codec}}),
          "API key: " + p.apiKey + "\nAPI secret: " + p.secret + "\n");
    return 0;
  }
  if (verb == "set-codec") {
    std::string key = option(a, "--project");
    if (key.empty() || !a.options.count("--video-codec"))
      return usageError("project set-codec needs --project KEY and --video-codec CODEC");
    auto codec = videoCodec();
    if (!codec) return usageError("--video-codec is vp8, vp9, h264 or default");
    if (!store.updateProjectVideoCodec(key, *codec)) {
      std::fprintf(stderr, "parley: no project with API key %s\n", key.c_str());
      return 1;
    }
    print(json, Json::object({{"apiKey", key}, {"videoCodec", *codec}}),
          "video codec: " + (codec->empty() ? std::string("default") : *codec) + "\n");
    return 0;
  }
  if (verb == "list") {
    Json list = Json::array();
    std::string human;
    for (const auto& p : store.listProjects()) {
      list.push(Json::object({{"apiKey", p.apiKey},
                              {"name", p.name},
                              {"createdAt", p.createdAtMs},
                              {"videoCodec", p.videoCodec}}));
      human += p.apiKey + "\t" + p.name + "\t" +
               (p.videoCodec.empty() ? std::string("default") : p.videoCodec) + "\n";
    }
    print(json, list, human.empty() ? "no projects\n" : human);
    return 0;
  }
  if (verb == "rotate-secret") {
    std::string key = option(a, "--project");
    if (key.empty()) return usageError("project rotate-secret needs --project KEY");
    std::string secret = admin.rotateSecret(key);
    if (secret.empty()) {
      std::fprintf(stderr, "parley: no project with API key %s\n", key.c_str());
      return 1;
    }
    print(json, Json::object({{"apiKey", key}, {"apiSecret", secret}}),
          "API key: " + key + "\nAPI secret: " + secret + "\n");
    return 0;
  }
  return usageError("unknown project command");
}

int sessionCommand(parley::store::Store& store, const Args& a, bool json) {
  if (a.words.size() < 2 || a.words[1] != "create") return usageError("unknown session command");
  std::string key = option(a, "--project");
  if (key.empty()) return usageError("session create needs --project KEY");
  if (!store.findProject(key)) {
    std::fprintf(stderr, "parley: no project with API key %s\n", key.c_str());
    return 1;
  }
  // Same validation as POST /session/create, fed from the CLI's options.
  std::map<std::string, std::string, std::less<>> fields;
  std::string mediaMode = option(a, "--media-mode", "relayed");
  if (mediaMode != "routed" && mediaMode != "relayed")
    return usageError("--media-mode is routed or relayed");
  fields["p2p.preference"] = mediaMode == "routed" ? "disabled" : "enabled";
  if (a.options.count("--archive-mode")) fields["archiveMode"] = option(a, "--archive-mode");
  if (a.options.count("--location")) fields["location"] = option(a, "--location");
  if (a.options.count("--e2ee")) fields["e2ee"] = "true";
  if (a.options.count("--video-codec")) fields["videoCodec"] = option(a, "--video-codec");
  auto properties = parley::session::SessionCatalog::parseCreateOptions(
      [&](std::string_view name) -> std::optional<std::string> {
        auto it = fields.find(name);
        if (it == fields.end()) return std::nullopt;
        return it->second;
      });
  if (!properties) {
    std::fprintf(stderr, "parley: %s\n", properties.error().message.c_str());
    return 1;
  }
  parley::session::SessionCatalog catalog(store);
  auto record = catalog.create(key, properties.value());
  print(json, Json::object({{"sessionId", record.sessionId}}), record.sessionId + "\n");
  return 0;
}

int tokenCommand(parley::store::Store& store, const Args& a, bool json) {
  if (a.words.size() < 2 || a.words[1] != "create") return usageError("unknown token command");
  std::string sessionId = option(a, "--session");
  if (sessionId.empty()) return usageError("token create needs --session ID");
  auto session = store.findSession(sessionId);
  if (!session) {
    std::fprintf(stderr, "parley: no session %s\n", sessionId.c_str());
    return 1;
  }
  auto project = store.findProject(session->apiKey);
  if (!project) {
    std::fprintf(stderr, "parley: the session's project %s is gone\n", session->apiKey.c_str());
    return 1;
  }
  parley::core::TokenMinter::Options o;
  auto role = parley::core::parseRole(option(a, "--role", "publisher"));
  if (!role) return usageError("--role is subscriber, publisher, publisheronly or moderator");
  o.role = *role;
  o.createTime = parley::core::Clock::nowSeconds();
  o.connectionData = option(a, "--data");
  o.initialLayoutClassList = option(a, "--layout");
  if (o.connectionData.size() > 1000)
    return usageError("--data is longer than 1000 characters");  // every SDK accepts 1000
  if (a.options.count("--expire")) {
    char* end = nullptr;
    std::string text = option(a, "--expire");
    long long expire = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end || expire <= o.createTime || expire > o.createTime + 30 * 24 * 3600)
      return usageError("--expire must be a Unix time within the next 30 days");
    o.expireTime = expire;
  }
  std::string format = option(a, "--format", "jwt");
  std::string token;
  if (format == "jwt")
    token = parley::core::TokenMinter::jwt(project->apiKey, project->secret, sessionId, o);
  else if (format == "t1")
    token = parley::core::TokenMinter::t1(project->apiKey, project->secret, sessionId, o);
  else
    return usageError("--format is jwt or t1");
  print(json, Json::object({{"token", token}}), token + "\n");
  return 0;
}

// ---- the cluster's nodes, as they announce themselves in Redis (docs/cluster.md) ----
int nodeCommand(const Args& a, bool json) {
  const char* env = std::getenv("PARLEY_REDIS");
  const std::string url = option(a, "--redis", env ? env : "");
  if (url.empty()) return usageError("node: --redis URL (or PARLEY_REDIS) is required");
  if (auto why = parley::cluster::RedisConnection::validateUrl(url); !why.empty())
    return usageError("--redis: " + why);
  parley::cluster::RedisConnection redis(url, std::chrono::milliseconds(2000));
  parley::cluster::NodeRegistry registry(redis, std::chrono::milliseconds(0));
  if (a.words.size() == 3 && a.words[1] == "drain") {
    const std::string& id = a.words[2];
    if (!registry.find(id)) {
      std::fprintf(stderr, "parley: no live node %s\n", id.c_str());
      return 1;
    }
    registry.requestDrain(id);
    print(json, Json::object({{"id", id}, {"draining", true}}),
          "Node " + id + " drains: its clients move to the other nodes.\n");
    return 0;
  }
  if (a.words.size() != 2 || a.words[1] != "list")
    return usageError("usage: parley node list | parley node drain ID");
  const auto nodes = registry.list();
  const std::int64_t now = parley::core::Clock::nowMs();
  Json list = Json::array();
  std::string human = nodes.empty() ? "No live nodes.\n" : "";
  for (const auto& n : nodes) {
    std::int64_t transports = 0;
    for (const auto& w : n.mediaWorkers) transports += w.transports;
    list.push(Json::object({{"id", n.id},
                            {"publicUrl", n.publicUrl},
                            {"rtcIp", n.rtcIp},
                            {"rtcPort", n.rtcPort},
                            {"connections", n.connections},
                            {"sessions", n.sessions},
                            {"streams", n.streams},
                            {"draining", n.draining},
                            {"upSeconds", (now - n.startedAtMs) / 1000},
                            {"heartbeatAgoMs", now - n.heartbeatAtMs},
                            {"mediaIp", n.mediaIp},
                            {"mediaWorkers", static_cast<std::int64_t>(n.mediaWorkers.size())},
                            {"mediaTransports", transports}}));
    human += n.id + "  " + n.publicUrl + "  connections " + std::to_string(n.connections) +
             ", sessions " + std::to_string(n.sessions) + ", streams " + std::to_string(n.streams) +
             ", media transports " + std::to_string(transports) +
             (n.draining ? "  (draining)" : "") + "\n";
  }
  print(json, list, human);
  return 0;
}

// Same rules as POST /v2/project/{key}/callback (docs/protocol.md §3.4.12).
int callbackCommand(parley::store::Store& store, const Args& a, bool json) {
  using parley::http::CallbackHandler;
  const std::string& verb = a.words.size() > 1 ? a.words[1] : "";
  if (verb != "add" && verb != "list" && verb != "remove") {
    return usageError("unknown callback command");
  }
  std::string key = option(a, "--project");
  if (key.empty()) return usageError("callback commands need --project KEY");
  if (!store.findProject(key)) {
    std::fprintf(stderr, "parley: no project with API key %s\n", key.c_str());
    return 1;
  }
  if (verb == "add") {
    parley::store::CallbackRegistration c;
    c.id = parley::core::Crypto::uuid4();
    c.apiKey = key;
    c.group = option(a, "--group");
    c.event = option(a, "--event");
    c.url = option(a, "--url");
    c.createdAtMs = parley::core::Clock::nowMs();
    if (auto reason = CallbackHandler::validate(c.group, c.event, c.url))
      return usageError(*reason);
    auto stored = store.insertCallback(c);
    print(json, CallbackHandler::toJson(stored), stored.id + "\n");
    return 0;
  }
  if (verb == "list") {
    Json list = Json::array();
    std::string human;
    for (const auto& c : store.listCallbacks(key)) {
      list.push(CallbackHandler::toJson(c));
      human += c.id + "\t" + c.group + "\t" + c.event + "\t" + c.url + "\n";
    }
    print(json, list, human.empty() ? "no callbacks\n" : human);
    return 0;
  }
  // remove
  std::string id = option(a, "--id");
  if (id.empty()) return usageError("callback remove needs --id ID");
  if (!store.deleteCallback(key, id)) {
    std::fprintf(stderr, "parley: project %s has no callback %s\n", key.c_str(), id.c_str());
    return 1;
  }
  print(json, Json::object({{"id", id}, {"removed", true}}), "removed " + id + "\n");
  return 0;
}

// ---- archives (docs/protocol.md §3.4.2): what parleyd recorded, under <data-dir>/archives ----

// Archive ids are UUIDs; checked before an id becomes part of a path.
bool isUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !std::isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

// A whole number in [min, max], or nullopt.
std::optional<std::size_t> parseCount(const std::string& text, std::size_t min, std::size_t max) {
  std::size_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (text.empty() || ec != std::errc() || ptr != end || n < min || n > max) return std::nullopt;
  return n;
}

std::string utcTime(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// What `archive get` prints without --json.
std::string describeArchive(const parley::store::ArchiveRecord& r) {
  std::string text = "id: " + r.id + "\nstatus: " + r.status + "\n";
  if (!r.reason.empty()) text += "reason: " + r.reason + "\n";
  if (!r.name.empty()) text += "name: " + r.name + "\n";
  text += "session: " + r.sessionId + "\n";
  text += "output: " + r.outputMode + " (streams " + r.streamMode + ", audio " +
          (r.hasAudio ? "yes" : "no") + ", video " + (r.hasVideo ? "yes" : "no") + ")\n";
  text += "created: " + utcTime(r.createdAtMs) + "\nupdated: " + utcTime(r.updatedAtMs) + "\n";
  text += "duration: " + std::to_string((r.durationMs + 500) / 1000) + " s\n";
  text += "size: " + std::to_string(r.sizeBytes) + " bytes\n";
  if (!r.sha256.empty()) text += "sha256: " + r.sha256 + "\n";
  return text;
}

std::string padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size() + 1, ' ');
}

int archiveCommand(parley::store::Store& store, const Args& a, bool json,
                   const std::filesystem::path& dataDir) {
  namespace fs = std::filesystem;
  using parley::session::ArchiveJson;
  const std::string& verb = a.words.size() > 1 ? a.words[1] : "";
  if (verb != "list" && verb != "get" && verb != "download" && verb != "delete")
    return usageError("unknown archive command");
  const std::string key = option(a, "--project");
  if (key.empty()) return usageError("archive commands need --project KEY");
  if (verb == "list") {
    const auto offset = parseCount(option(a, "--offset", "0"), 0, 1'000'000'000);
    if (!offset) return usageError("--offset is a whole number");
    // OpenTok's default page and its largest.
    const auto count = parseCount(option(a, "--count", "50"), 1, 1000);
    if (!count) return usageError("--count is a whole number from 1 to 1000");
    if (!store.findProject(key)) {
      std::fprintf(stderr, "parley: no project with API key %s\n", key.c_str());
      return 1;
    }
    const auto page = store.listArchives(key, option(a, "--session"), *offset, *count);
    Json items = Json::array();
    std::string human;
    if (!page.items.empty()) {
      human = padded("ID", 36) + padded("STATUS", 9) + padded("CREATED", 20) +
              padded("DURATION", 8) + padded("SIZE", 12) + "SESSION\n";
    }
    for (const auto& r : page.items) {
      items.push(ArchiveJson::render(r, std::nullopt));
      human += padded(r.id, 36) + padded(r.status, 9) + padded(utcTime(r.createdAtMs), 20) +
               padded(std::to_string((r.durationMs + 500) / 1000) + "s", 8) +
               padded(std::to_string(r.sizeBytes), 12) + r.sessionId + "\n";
    }
    if (page.items.size() < page.total) {
      human += std::to_string(page.items.size()) + " of " + std::to_string(page.total) +
               " archives (from " + std::to_string(*offset) + ")\n";
    }
    print(
        json,
        Json::object({{"count", static_cast<long long>(page.total)}, {"items", std::move(items)}}),
        page.total == 0 ? "no archives\n" : human);
    return 0;
  }

  const std::string id = option(a, "--id");
  if (id.empty()) return usageError("archive " + verb + " needs --id ID");
  if (!isUuid(id)) return usageError("--id is an archive id (a UUID)");
  const auto archive = store.findArchive(key, id);
  if (!archive) {
    std::fprintf(stderr, "parley: project %s has no archive %s\n", key.c_str(), id.c_str());
    return 1;
  }
  const fs::path directory = dataDir / "archives";
  const fs::path zip = directory / (id + ".zip");

  if (verb == "get") {
    print(json, ArchiveJson::render(*archive, std::nullopt), describeArchive(*archive));
    return 0;
  }

  if (verb == "download") {
    if (archive->status != "available") {
      std::fprintf(stderr, "parley: archive %s is %s, not available: nothing to download\n",
                   id.c_str(), archive->status.c_str());
      return 1;
    }
    const fs::path out = option(a, "--out", id + ".zip");
    const bool force = a.options.count("--force") > 0;
    std::error_code ec;
    if (!fs::is_regular_file(zip, ec)) {
      std::fprintf(stderr, "parley: archive %s is available but its file %s is missing\n",
                   id.c_str(), zip.string().c_str());
      return 1;
    }
    if (!force && fs::exists(out, ec)) {
      std::fprintf(stderr, "parley: %s exists; pass --force to overwrite it\n",
                   out.string().c_str());
      return 1;
    }
    // Copied beside the target and renamed when whole: an interrupted copy never leaves a
    // truncated ZIP under the name asked for.
    fs::path partial = out;
    partial += ".partial";
    if (!fs::copy_file(zip, partial, fs::copy_options::overwrite_existing, ec)) {
      std::fprintf(stderr, "parley: cannot copy %s to %s: %s\n", zip.string().c_str(),
                   partial.string().c_str(), ec.message().c_str());
      fs::remove(partial, ec);
      return 1;
    }
    if (!force && fs::exists(out, ec)) {  // appeared while copying
      fs::remove(partial, ec);
      std::fprintf(stderr, "parley: %s exists; pass --force to overwrite it\n",
                   out.string().c_str());
      return 1;
    }
    fs::rename(partial, out, ec);
    if (ec) {
      std::fprintf(stderr, "parley: cannot write %s: %s\n", out.string().c_str(),
                   ec.message().c_str());
      fs::remove(partial, ec);
      return 1;
    }
    const auto size = static_cast<long long>(fs::file_size(out));
    print(json, Json::object({{"id", id}, {"file", out.string()}, {"size", size}}),
          "wrote " + out.string() + " (" + std::to_string(size) + " bytes)\n");
    return 0;
  }

  // delete: a running parleyd writes the files of a started archive and packages a stopped
  // one; both must finish first (the REST API answers 409 then too).
  if (archive->status == "started" || archive->status == "stopped") {
    std::fprintf(stderr, "parley: archive %s is %s (%s); stop it and wait until it is available\n",
                 id.c_str(), archive->status.c_str(),
                 archive->status == "started" ? "recording" : "being packaged");
    return 1;
  }
  if (!store.deleteArchive(key, id)) {
    std::fprintf(stderr, "parley: project %s has no archive %s\n", key.c_str(), id.c_str());
    return 1;
  }
  std::error_code zipError, dirError;
  fs::remove(zip, zipError);
  fs::remove_all(directory / id, dirError);
  if (zipError || dirError) {
    std::fprintf(stderr, "parley: archive %s removed, but not all its files under %s: %s\n",
                 id.c_str(), directory.string().c_str(),
                 (zipError ? zipError : dirError).message().c_str());
    return 1;
  }
  print(json, Json::object({{"id", id}, {"removed", true}}), "removed " + id + "\n");
  return 0;
}

// `parley load`: its own options (load/LoadOptions.cpp), no data directory.
int loadCommand(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::fputs(parley::load::LoadOptions::usage().c_str(), stdout);
      return 0;
    }
  }
  std::string error;
  auto options = parley::load::LoadOptions::parse(argc, argv, &error);
  if (!options) {
    std::fprintf(stderr, "parley load: %s\n\n%s", error.c_str(),
                 parley::load::LoadOptions::usage().c_str());
    return 2;
  }
  try {
    parley::load::LoadRunner runner(*options);
    parley::load::LoadReport report = runner.run();
    std::fputs(report.table().c_str(), stdout);
    if (!options->jsonPath.empty()) {
      std::string json = report.json() + "\n";
      if (options->jsonPath == "-") {
        std::fputs(json.c_str(), stdout);
      } else {
        std::ofstream out(options->jsonPath, std::ios::trunc);
        out << json;
        if (!out) {
          std::fprintf(stderr, "parley load: cannot write %s\n", options->jsonPath.c_str());
          return 1;
        }
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley load: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "load") return loadCommand(argc - 2, argv + 2);
  Args a;
  std::string dataDir =
      std::getenv("PARLEY_DATA_DIR") ? std::getenv("PARLEY_DATA_DIR") : "./parley-data";
  std::string storeUrl = std::getenv("PARLEY_STORE") ? std::getenv("PARLEY_STORE") : "";
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--json") {
      json = true;
    } else if (arg == "--e2ee" || arg == "--force") {
      a.options[arg] = "true";
    } else if (arg.rfind("--", 0) == 0) {
      if (i + 1 >= argc) return usageError(arg + " needs a value");
      if (arg == "--data-dir")
        dataDir = argv[++i];
      else if (arg == "--store")
        storeUrl = argv[++i];
      else
        a.options[arg] = argv[++i];
    } else {
      a.words.push_back(arg);
    }
  }
  if (a.words.empty()) return usageError("no command given");
  // A misspelt option must not be silently ignored (it could mint a token without the
  // intended expiry, say).
  static const std::set<std::string> kKnownOptions = {
      "--name",    "--project", "--media-mode",  "--archive-mode", "--location", "--e2ee",
      "--session", "--role",    "--data",        "--expire",       "--layout",   "--format",
      "--group",   "--event",   "--url",         "--id",           "--offset",   "--count",
      "--out",     "--force",   "--video-codec", "--redis"};
  for (const auto& [name, value] : a.options)
    if (!kKnownOptions.count(name)) return usageError("unknown option " + name);
  try {
    if (a.words[0] == "node") return nodeCommand(a, json);
    if (!storeUrl.empty() && storeUrl.rfind("postgresql://", 0) != 0 &&
        storeUrl.rfind("postgres://", 0) != 0)
      return usageError("--store: expected a postgresql:// URL");
    parley::store::StoreLocation location;
    location.postgresUrl = storeUrl;
    location.sqlitePath = (std::filesystem::path(dataDir) / "parley.db").string();
    location.nodeId = "cli";  // claims nothing and opens no subjects
    if (!location.isPostgres()) std::filesystem::create_directories(dataDir);
    auto opened = parley::store::openStore(location);
    parley::store::Store& store = *opened;
    const std::string& group = a.words[0];
    if (group == "project") return projectCommand(store, a, json);
    if (group == "session") return sessionCommand(store, a, json);
    if (group == "token") return tokenCommand(store, a, json);
    if (group == "callback") return callbackCommand(store, a, json);
    if (group == "archive") return archiveCommand(store, a, json, dataDir);
    return usageError("unknown command " + group);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parley: %s\n", e.what());
    return 1;
  }
}
