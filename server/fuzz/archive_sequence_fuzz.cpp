// A stateful fuzzer of the archive lifecycle (docs/protocol.md §3.4.2, §7.10):
// session::ArchiveManager with a real SessionManager (clients join, publish and leave through
// its connect/handle API), a real SqliteStore, a real Recorder thread writing the stream files
// and a real JobThread packaging them, driven by sequences of REST calls (start, stop, delete,
// stream changes, layout; unknown ids, the wrong project, twice in a row, while packaging),
// session news, recording rings that the input fills, closes or loses, a fake clock past the
// idle stop and the maximum duration, directories wiped under a running archive, and
// restarts that lose what was still queued (a kill -9) followed by recoverLeftovers.
//
// The SFU is a fake MediaService: a stream published through SessionManager gets a fake
// publication (VP8 + Opus, or other track sets) whose recording taps keep their ring until
// stopRecording, an unpublish or a media loss closes it, as the Sfu does. News from the
// recorder and packager threads comes back through the Post function into a queue that this
// thread runs at chosen points ("posts now", which depends on the threads' timing, and
// "settle", which first waits until every closed ring is finished and the packager is idle,
// so that it is deterministic). Each input ends with app/Server.cpp's shutdown order.
//
// Besides the sanitizers, these are checked (abort on violation):
// - after every operation: runningCount() <= maxRunning; clientState() of each session lists
//   at most maxPerSession archives, each with store status "started"; a row's status only
//   moves forward (started → stopped → available|failed) and a finished one never changes; a
//   deleted row never comes back; a layout set stays; the status listener sees only forward
//   transitions; no archive stays listed past the maximum duration or the idle stop;
// - every refused call leaves the store row as it was; stop answers Ok exactly for a
//   "started" row; delete of a started or stopped row answers Conflict, of a finished one
//   removes the row and its ZIP; start refuses unknown/foreign sessions, relayed ones,
//   composed output and neither audio nor video with the documented status;
// - when settled: no row is left "stopped", and the "started" rows are exactly the archives
//   the sessions list;
// - after a restart's recoverLeftovers and after shutdown: every row is available or failed,
//   each available archive has its ZIP, and no failed one has a ZIP left behind (a restart
//   must not fail an archive whose packaging had finished).
//
// The input is a list of operations, an opcode byte and its operands (missing bytes read 0):
//   0 connect        [connection] [session] [role]
//   1 disconnect     [connection] [target: a moderator's force disconnect when it differs]
//   2 publish        [connection] [stream] [tracks: low 3 bits the kind, 8 media not ready]
//   3 media ready    [session] [stream]
//   4 unpublish      [connection] [stream]
//   5 media lost     [session] [stream]
//   6 start          [session] [flags] [tag]
//   7 stop           [archive] [flags: 1 the other project]
//   8 delete         [archive] [flags]
//   9 add stream     [archive] [stream] [flags]
//  10 remove stream  [archive] [stream] [flags]
//  11 layout         [archive] [layout]
//  12 packets        [tap] [count] [flags]
//  13 tick           [seconds: bit 7 set = tens of seconds]
//  14 posts now
//  15 settle
//  16 wipe the directory of an archive  [archive]
//  17 restart (crash, then recoverLeftovers)
// FUZZ_TRACE=1 prints the operations and turns the logs on.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/ArchiveOptions.h"
#include "core/Clock.h"
#include "core/SessionId.h"
#include "core/TokenMinter.h"
#include "obs/Logger.h"
#include "record/JobThread.h"
#include "record/PacketRing.h"
#include "record/Recorder.h"
#include "session/ArchiveManager.h"
#include "session/SessionManager.h"
#include "store/SqliteStore.h"

namespace {

using namespace parley;
namespace fs = std::filesystem;
using core::Json;
using session::ArchiveManager;
using Status = ArchiveManager::Status;
using media::MediaService;

constexpr const char* kKey = "12345678";
constexpr const char* kOtherKey = "87654321";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr std::size_t kSessions = 4;  // routed, routed, routed archiveMode always, relayed
constexpr std::size_t kConnections = 8;
constexpr std::size_t kStreams = 6;
constexpr std::size_t kMaxOps = 64;
constexpr std::size_t kMaxArchives = 12;  // ids the input can name
constexpr int kMaxRestarts = 2;
constexpr std::int64_t kStartMs = 1'000'000'000;

bool trace() {
  static const bool on = std::getenv("FUZZ_TRACE") != nullptr;
  return on;
}

[[noreturn]] void violated(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "archive_sequence: %s %s\n", what, detail.c_str());
  __builtin_trap();
}
#define CHECK(cond, detail)                     \
  do {                                          \
    if (!(cond)) violated("#" #cond, (detail)); \
  } while (0)

ArchiveManager::Settings settingsIn(const std::string& directory) {
  ArchiveManager::Settings s;
  s.directory = directory;
  s.maxPerSession = 2;
  s.maxRunning = 3;
  s.maxDurationS = 600;
  s.emptyStopS = 60;
  s.ringPackets = 16;  // small: a burst of packets fills it and drops are exercised
  // A composed archive's stop waits for the composer's last picture: none late here.
  s.composerDelayMs = 0;
  return s;
}

// What stays for the whole run: the store (opening one costs more than most inputs), the
// sessions, the tokens, the scratch directory.
struct World {
  World() : store(":memory:") {
    obs::Logger::setLevel(trace() ? obs::Logger::Level::Info
                                  // Above Error: wiped directories and refusals log errors
                                  // by the thousand here.
                                  : static_cast<obs::Logger::Level>(4));
    std::string pattern = (fs::temp_directory_path() / "parley-archive-seq-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) violated("mkdtemp failed");
    root = pattern;
    std::atexit([] { removeRoot(); });
    store.insertProject({kKey, kSecret, "fuzz", 1});
    store.insertProject({kOtherKey, kSecret, "other", 1});
    const std::int64_t now = core::Clock::nowMs();
    for (std::size_t i = 0; i < kSessions; ++i) {
      store::SessionRecord r;
      r.apiKey = kKey;
      const bool relayed = i == 3;
      r.properties.mediaMode = relayed ? core::MediaMode::Relayed : core::MediaMode::Routed;
      if (i == 2) {
        r.properties.archiveMode = core::ArchiveMode::Always;
        r.properties.archiveName = "always";
      }
      r.createdAtMs = now + static_cast<std::int64_t>(i);
      r.sessionId = core::SessionId::generate(kKey, "", r.createdAtMs, relayed);
      store.insertSession(r);
      sessions.push_back(r);
      for (core::Role role :
           {core::Role::Subscriber, core::Role::Publisher, core::Role::Moderator}) {
        core::TokenMinter::Options o;
        o.role = role;
        o.createTime = core::Clock::nowSeconds();
        o.connectionData = "data" + std::to_string(i);
        tokens[i].push_back(core::TokenMinter::jwt(kKey, kSecret, r.sessionId, o));
      }
    }
    // A well-formed id that no store knows.
    unknownSession = core::SessionId::generate(kKey, "", now + 99, false);
  }
  static void removeRoot();

  store::SqliteStore store;
  std::string root;
  std::vector<store::SessionRecord> sessions;
  std::array<std::vector<std::string>, kSessions> tokens;  // subscriber, publisher, moderator
  std::string unknownSession;
};

World& world() {
  static World* w = new World();  // never destroyed: atexit removes the directory
  return *w;
}

void World::removeRoot() {
  std::error_code ec;
  fs::remove_all(world().root, ec);
}

class Reader {
 public:
  Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool more() const { return i_ < n_; }
  std::uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

// The control thread's queue: what ArchiveManager posts from any thread, run when the
// input says so.
class PostQueue {
 public:
  void post(std::function<void()> fn) {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(fn));
  }
  // Runs what is queued, and what that posts, until nothing is left (as io.poll does).
  void run() {
    for (;;) {
      std::function<void()> fn;
      {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }
  bool empty() const {
    std::lock_guard lock(mutex_);
    return queue_.empty();
  }
  // A crash: nothing queued ever runs.
  void drop() {
    std::lock_guard lock(mutex_);
    queue_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::deque<std::function<void()>> queue_;
};

class DiscardOutput final : public session::SessionOutput {
 public:
  void send(const std::string&, const session::OutboundMessage&) override {}
  void detach(const std::string&) override {}
};

// The SFU as ArchiveManager and SessionManager see it; the rings are filled from this
// thread (the single producer), as a worker would.
class FakeSfu final : public MediaService {
 public:
  struct Tap {
    std::string sessionId;
    std::string streamId;
    std::shared_ptr<record::PacketRing> ring;
    std::vector<std::uint8_t> outputs;
    std::vector<std::uint16_t> sequence;
    std::vector<std::uint32_t> timestamp;
    std::vector<bool> keyframeSent;
    std::size_t nextTrack = 0;
    std::int64_t arrivalUs = 0;
  };

  void publish(const std::string& sessionId, const std::string& streamId, std::uint8_t kind) {
    std::vector<PublishedTrack> tracks;
    auto video = [](const char* codec) {
      return PublishedTrack{media::TrackKind::Video, codec, 90000, 1};
    };
    auto audio = [](const char* codec) {
      return PublishedTrack{media::TrackKind::Audio, codec, 48000, 2};
    };
    switch (kind % 8) {
      case 4:
        tracks = {audio("opus")};
        break;
      case 5:
        tracks = {video("VP8")};
        break;
      case 6:
        tracks = {video("H264"), audio("opus")};
        break;
      case 7:
        tracks = {video("AV1"), audio("G722")};  // nothing this recorder takes
        break;
      default:
        tracks = {video("VP8"), audio("opus")};
        // Clock rates left out: the recorder must fall back on the codecs' own.
        if (kind % 8 == 3) tracks[0].clockRate = tracks[1].clockRate = 0;
    }
    publications_[{sessionId, streamId}] = std::move(tracks);
  }
  // The publication goes (unpublished, or its media was lost): its taps' rings close.
  void unpublish(const std::string& sessionId, const std::string& streamId) override {
    publications_.erase({sessionId, streamId});
    for (auto it = taps_.begin(); it != taps_.end();) {
      if (it->second.sessionId == sessionId && it->second.streamId == streamId) {
        it->second.ring->close();
        it = taps_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // The SFU stops (shutdown, crash): every ring closes.
  void closeAll() {
    for (auto& [id, tap] : taps_) tap.ring->close();
    taps_.clear();
    publications_.clear();
  }
  std::size_t openRings() const { return taps_.size(); }
  std::size_t keyframeRequests() const { return keyframeRequests_; }

  // Queues a few RTP packets into one open tap's ring.
  void feed(Reader& in, std::int64_t nowMs) {
    if (taps_.empty()) return;
    auto it = taps_.begin();
    std::advance(it, in.byte() % taps_.size());
    Tap& tap = it->second;
    auto pub = publications_.find({tap.sessionId, tap.streamId});
    if (pub == publications_.end() || pub->second.empty()) return;
    const auto& tracks = pub->second;
    const int count = 1 + in.byte() % 12;
    const std::uint8_t flags = in.byte();
    for (int k = 0; k < count; ++k) {
      const std::size_t i = tap.nextTrack++ % tracks.size();
      const std::uint8_t output = tap.outputs[i];
      if (output == 0xff) continue;
      const bool video = tracks[i].kind == media::TrackKind::Video;
      tap.arrivalUs = std::max(tap.arrivalUs + 10'000, nowMs * 1000);
      // Loss, a repeat and a reorder, chosen by the flags and the packet's place.
      if ((flags & 1) && k == 1) tap.sequence[i] += 3;
      if ((flags & 2) && k == 2) tap.sequence[i] -= 1;
      if ((flags & 4) && k == 3) tap.sequence[i] += 1;
      if ((flags & 4) && k == 4) tap.sequence[i] -= 2;
      const bool keyframe = video && (!tap.keyframeSent[i] || ((flags & 8) && k == 0));
      std::vector<std::uint8_t> p = {0x80,
                                     static_cast<std::uint8_t>((video ? 96 : 111) | 0x80),
                                     static_cast<std::uint8_t>(tap.sequence[i] >> 8),
                                     static_cast<std::uint8_t>(tap.sequence[i]),
                                     static_cast<std::uint8_t>(tap.timestamp[i] >> 24),
                                     static_cast<std::uint8_t>(tap.timestamp[i] >> 16),
                                     static_cast<std::uint8_t>(tap.timestamp[i] >> 8),
                                     static_cast<std::uint8_t>(tap.timestamp[i]),
                                     0,
                                     0,
                                     0x10,
                                     static_cast<std::uint8_t>(i + 1)};
      if (!video) {
        p.insert(p.end(), {0xfc, 0xff, 0xfe, 0x01, 0x02});  // one Opus frame's worth
      } else if (tracks[i].codec != "VP8") {
        p.insert(p.end(), {0x65, 0x88, 0x84, 0x00, 0x33});  // what the recorder cannot rebuild
      } else if (keyframe) {
        // VP8 descriptor (start of partition 0), then a keyframe header of 320×240.
        p.insert(p.end(), {0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0x00});
      } else {
        p.insert(p.end(), {0x10, 0x11, 0x02, 0x00, 0x00, 0x01});
      }
      if (flags & 16) p.resize(p.size() - (k % 4));  // cut short, even into the header
      tap.ring->push(p, tap.arrivalUs, output, 0, keyframe);
      tap.keyframeSent[i] = tap.keyframeSent[i] || keyframe;
      ++tap.sequence[i];
      tap.timestamp[i] += video ? 3000 : 960;
    }
  }

  // MediaService
  void setEvents(Events*) override {}
  Negotiation publisherOffer(const std::string&, const std::string&, const std::string&) override {
    return {};
  }
  Negotiation subscribe(const std::string&, const std::string&, const std::string&, bool,
                        bool) override {
    return {};
  }
  Negotiation subscriberAnswer(const std::string&, const std::string&,
                               const std::string&) override {
    return {};
  }
  Negotiation subscriberOffer(const std::string&, const std::string&, const std::string&) override {
    return {};
  }
  void unsubscribe(const std::string&, const std::string&) override {}
  void setPublisherTrack(const std::string&, const std::string&, media::TrackKind, bool) override {}
  void setSubscriberTrack(const std::string&, const std::string&, media::TrackKind, bool) override {
  }
  void setSubscriberPreferredSize(const std::string&, const std::string&, uint32_t, uint32_t,
                                  uint32_t) override {}
  std::vector<PublishedTrack> publishedTracks(const std::string& sessionId,
                                              const std::string& streamId) override {
    auto it = publications_.find({sessionId, streamId});
    return it == publications_.end() ? std::vector<PublishedTrack>{} : it->second;
  }
  void startRecording(const std::string& sessionId, const std::string& streamId, uint64_t tapId,
                      std::shared_ptr<record::PacketRing> ring,
                      std::vector<uint8_t> outputs) override {
    CHECK(ring != nullptr, streamId);
    CHECK(!taps_.count(tapId), "tap id reused");
    auto it = publications_.find({sessionId, streamId});
    if (it == publications_.end()) {
      ring->close();  // the publication is already gone
      return;
    }
    CHECK(outputs.size() == it->second.size(), "an output per published track");
    std::set<std::uint8_t> used;
    for (std::uint8_t o : outputs)
      if (o != 0xff) CHECK(used.insert(o).second, "two tracks into one file track");
    const std::size_t n = it->second.size();
    taps_[tapId] = Tap{sessionId,
                       streamId,
                       std::move(ring),
                       std::move(outputs),
                       std::vector<std::uint16_t>(n, static_cast<std::uint16_t>(tapId * 1000)),
                       std::vector<std::uint32_t>(n, 0),
                       std::vector<bool>(n, false),
                       0,
                       0};
  }
  void stopRecording(const std::string& sessionId, uint64_t tapId) override {
    auto it = taps_.find(tapId);
    if (it == taps_.end() || it->second.sessionId != sessionId) return;
    it->second.ring->close();
    taps_.erase(it);
  }
  void requestKeyframe(const std::string&, const std::string&) override { ++keyframeRequests_; }
  Json sessionStats(const std::string&) override { return Json::object(); }

 private:
  std::map<std::pair<std::string, std::string>, std::vector<PublishedTrack>> publications_;
  std::map<std::uint64_t, Tap> taps_;
  std::size_t keyframeRequests_ = 0;
};

// One run of parleyd: what a restart replaces. Members in the order Server.cpp makes them.
struct Process {
  Process(store::Store& store, PostQueue& posts, const std::int64_t& nowMs,
          const std::string& directory)
      : sessions(
            store, limits(),
            [](std::string_view key) -> std::optional<std::string> {
              if (key == kKey) return std::string(kSecret);
              return std::nullopt;
            },
            [&nowMs] { return static_cast<double>(nowMs) / 1000; }),
        recorder(std::make_unique<record::Recorder>(std::chrono::milliseconds(1))),
        packager(std::make_unique<record::JobThread>()) {
    sessions.setOutput(&output);
    sessions.setMedia(&sfu);
    archives = std::make_unique<ArchiveManager>(
        store, sessions, sfu, *recorder, *packager,
        [&posts](std::function<void()> fn) { posts.post(std::move(fn)); }, settingsIn(directory),
        [&nowMs] { return nowMs; });
    sessions.addListener(archives.get());
    sessions.setArchiveState([this](const std::string& id) { return archives->clientState(id); });
  }
  static session::SessionLimits limits() {
    session::SessionLimits l;
    l.maxConnectionsPerSession = 4;
    l.maxStreamsPerSession = 4;
    return l;
  }

  FakeSfu sfu;
  DiscardOutput output;
  session::SessionManager sessions;
  std::unique_ptr<record::Recorder> recorder;
  std::unique_ptr<record::JobThread> packager;
  std::unique_ptr<ArchiveManager> archives;
};

int rank(const std::string& status) {
  if (status == "started") return 0;
  if (status == "stopped") return 1;
  if (status == "available" || status == "failed") return 2;
  violated("unknown status", status);
}

bool sameRow(const std::optional<store::ArchiveRecord>& a,
             const std::optional<store::ArchiveRecord>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return a->status == b->status && a->reason == b->reason && a->name == b->name &&
         a->updatedAtMs == b->updatedAtMs && a->sizeBytes == b->sizeBytes &&
         a->durationMs == b->durationMs && a->sha256 == b->sha256 &&
         a->streamsJson == b->streamsJson && a->layoutJson == b->layoutJson &&
         a->streamMode == b->streamMode && a->hasAudio == b->hasAudio &&
         a->hasVideo == b->hasVideo && a->multiArchiveTag == b->multiArchiveTag;
}

class Harness {
 public:
  Harness(World& w, const std::uint8_t* data, std::size_t size)
      : w_(w), in_(data, size), store_(w.store) {
    for (std::size_t i = 0; i < kSessions; ++i) emptiedMs_[i] = nowMs_;
    p_ = makeProcess();
  }

  void run() {
    std::size_t ops = 0;
    while (in_.more() && ops++ < kMaxOps) {
      const std::uint8_t op = in_.byte() % 18;
      if (trace()) std::fprintf(stderr, "op %d\n", op);
      std::array<bool, kSessions> liveBefore;
      for (std::size_t i = 0; i < kSessions; ++i) liveBefore[i] = live(i);
      step(op);
      discover();
      for (std::size_t i = 0; i < kSessions; ++i)
        if (liveBefore[i] && !live(i)) emptiedMs_[i] = nowMs_;
      checkAlways();
    }
    shutdown();
  }

 private:
  std::unique_ptr<Process> makeProcess() {
    auto p = std::make_unique<Process>(store_, posts_, nowMs_, w_.root);
    p->archives->setStatusListener([this](const store::ArchiveRecord& a) { heard(a); });
    return p;
  }
  ArchiveManager& archives() { return *p_->archives; }
  bool live(std::size_t session) const {
    return p_->sessions.session(w_.sessions[session].sessionId) != nullptr;
  }
  std::optional<store::ArchiveRecord> row(const std::string& id) {
    return store_.findArchive(kKey, id);
  }
  std::string connectionId(std::uint8_t b) const { return "c" + std::to_string(b % kConnections); }
  std::string streamId(std::uint8_t b) const { return "st" + std::to_string(b % kStreams); }
  const std::string& sessionOf(const std::string& connection) const {
    auto it = joined_.find(connection);
    return it == joined_.end() ? w_.sessions[0].sessionId : w_.sessions[it->second].sessionId;
  }
  // An archive the input names: one it started, or ids no archive has.
  std::string archiveId(std::uint8_t b) const {
    static const char* const kStrangers[] = {"00000000-0000-4000-8000-000000000000", "",
                                             "../archives"};
    const std::size_t n = ids_.size() + 3;
    const std::size_t i = b % n;
    return i < ids_.size() ? ids_[i] : kStrangers[i - ids_.size()];
  }
  const char* key(std::uint8_t flags) const { return (flags & 0x81) == 0x81 ? kOtherKey : kKey; }

  session::InboundRequest request(const std::string& method, const std::string& sessionId,
                                  const std::string& resource,
                                  std::vector<std::pair<std::string, std::string>> pairs,
                                  Json content = Json::object()) const {
    session::InboundRequest r;
    r.method = method;
    r.uri = "/v2/partner/" + std::string(kKey) + "/session/" + sessionId;
    r.params = {{"partner", kKey}, {"session", sessionId}};
    for (auto& [k, v] : pairs) {
      r.uri += "/" + k + "/" + v;
      r.params[k] = v;
    }
    r.resource = resource;
    r.content = std::move(content);
    return r;
  }

  void step(std::uint8_t op) {
    switch (op) {
      case 0: {  // connect
        const std::string c = connectionId(in_.byte());
        const std::size_t s = in_.byte() % kSessions;
        const std::string& token = w_.tokens[s][in_.byte() % 3];
        const std::string& sid = w_.sessions[s].sessionId;
        auto reply = p_->sessions.connect(
            c, token, request("create", sid, "connection", {{"connection", c}}));
        if (reply.status == 200) joined_[c] = s;
        p_->sessions.sendDeferred();
        break;
      }
      case 1: {  // disconnect, or a moderator's force disconnect
        const std::string c = connectionId(in_.byte());
        const std::string target = connectionId(in_.byte());
        if (c == target)
          p_->sessions.disconnect(c, "clientDisconnected");
        else
          p_->sessions.handle(
              c, request("delete", sessionOf(c), "connection", {{"connection", target}}));
        p_->sessions.sendDeferred();
        break;
      }
      case 2: {  // publish
        const std::string c = connectionId(in_.byte());
        const std::string st = streamId(in_.byte());
        const std::uint8_t kind = in_.byte();
        const std::string& sid = sessionOf(c);
        Json channels =
            Json::array({Json::object({{"id", "video1"}, {"type", "video"}, {"active", true}}),
                         Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}})});
        auto reply = p_->sessions.handle(
            c, request("create", sid, "stream", {{"stream", st}},
                       Json::object({{"name", "cam"}, {"channel", std::move(channels)}})));
        if (reply.status == 200 && sid != w_.sessions[3].sessionId) {
          p_->sfu.publish(sid, st, kind);
          if (!(kind & 8)) p_->sessions.publicationReady(sid, st);
        }
        p_->sessions.sendDeferred();
        break;
      }
      case 3: {  // the media of a published stream reaches the SFU
        const std::string& sid = w_.sessions[in_.byte() % kSessions].sessionId;
        p_->sessions.publicationReady(sid, streamId(in_.byte()));
        break;
      }
      case 4: {  // unpublish
        const std::string c = connectionId(in_.byte());
        p_->sessions.handle(
            c, request("delete", sessionOf(c), "stream", {{"stream", streamId(in_.byte())}}));
        p_->sessions.sendDeferred();
        break;
      }
      case 5: {  // the publication's media is lost
        const std::string& sid = w_.sessions[in_.byte() % kSessions].sessionId;
        const std::string st = streamId(in_.byte());
        p_->sfu.unpublish(sid, st);
        p_->sessions.publicationFailed(sid, st, "ice failed");
        break;
      }
      case 6:
        start();
        break;
      case 7:
        stop();
        break;
      case 8:
        remove();
        break;
      case 9:
      case 10:
        changeStreams(op == 9);
        break;
      case 11:
        layout();
        break;
      case 12:
        p_->sfu.feed(in_, nowMs_);
        break;
      case 13: {
        const std::uint8_t b = in_.byte();
        nowMs_ += (b & 0x7f) * ((b & 0x80) ? 10'000 : 1'000);
        archives().tick();
        checkDeadlines();
        break;
      }
      case 14:
        posts_.run();
        break;
      case 15:
        settle();
        checkSettled();
        break;
      case 16: {
        const std::string id = archiveId(in_.byte());
        auto r = row(id);
        if (r && rank(r->status) < 2) {
          std::error_code ec;
          fs::remove_all(fs::path(w_.root) / id, ec);
        }
        break;
      }
      case 17:
        if (restarts_++ < kMaxRestarts) restart();
        break;
    }
  }

  void start() {
    const std::uint8_t which = in_.byte() % (kSessions + 1);
    const std::uint8_t flags = in_.byte();
    const std::uint8_t tagByte = in_.byte();
    static const char* const kTags[] = {"", "a", "b"};
    const bool unknown = which == kSessions;
    core::ArchiveOptions o;
    o.sessionId = unknown ? w_.unknownSession : w_.sessions[which].sessionId;
    o.name = "n" + std::to_string(ids_.size());
    o.outputMode = (flags & 0x30) == 0x30 ? core::ArchiveOptions::OutputMode::Composed
                                          : core::ArchiveOptions::OutputMode::Individual;
    o.streamMode = (flags & 8) ? core::ArchiveOptions::StreamMode::Manual
                               : core::ArchiveOptions::StreamMode::Auto;
    o.hasAudio = (flags & 7) != 6 && (flags & 7) != 7;
    o.hasVideo = (flags & 7) != 5 && (flags & 7) != 7;
    o.multiArchiveTag = kTags[tagByte % 3];
    const char* apiKey = key(flags);
    const std::size_t rowsBefore = store_.listArchives(kKey, "", 0, 1).total;
    const std::size_t runningBefore = archives().runningCount();
    const Json listedBefore = archives().clientState(o.sessionId);
    auto outcome = archives().start(apiKey, o);
    const std::string detail =
        std::to_string(static_cast<int>(outcome.status)) + " " + outcome.message;
    if (unknown || apiKey == kOtherKey)
      CHECK(outcome.status == Status::SessionNotFound, detail);
    else if (which == 3)
      CHECK(outcome.status == Status::Conflict, detail);
    else if (!o.hasAudio && !o.hasVideo)
      CHECK(outcome.status == Status::Invalid, detail);
    if (outcome.status != Status::Ok) {
      CHECK(store_.listArchives(kKey, "", 0, 1).total == rowsBefore, detail);
      CHECK(!outcome.archive, detail);
      return;
    }
    CHECK(outcome.archive, detail);
    const std::string id = outcome.archive->id;
    CHECK(runningBefore < settingsIn("").maxRunning, id);
    CHECK(listedBefore.size() < settingsIn("").maxPerSession, id);
    for (const Json& a : listedBefore.items()) {
      const std::string other = a.getString("id").value_or("");
      CHECK(
          !tags_[other].empty() && !o.multiArchiveTag.empty() && tags_[other] != o.multiArchiveTag,
          "two archives of one session under the same tag");
    }
    auto r = row(id);
    CHECK(r && r->status == "started", id);
    const auto now = listedIn(o.sessionId);
    CHECK(std::count(now.begin(), now.end(), id) == 1, id);
  }

  // The ids clientState() lists.
  std::vector<std::string> listedIn(const std::string& sessionId) const {
    const Json state = p_->archives->clientState(sessionId);
    std::vector<std::string> out;
    for (const Json& a : state.items()) out.push_back(a.getString("id").value_or(""));
    return out;
  }

  // Archives that started on their own (archiveMode always) are named like the others.
  void discover() {
    for (const auto& a : store_.listArchives(kKey, "", 0, 1000).items) {
      if (startedMs_.count(a.id)) continue;
      startedMs_[a.id] = nowMs_;
      tags_[a.id] = a.multiArchiveTag;
      if (ids_.size() < kMaxArchives) ids_.push_back(a.id);
    }
  }

  void stop() {
    const std::string id = archiveId(in_.byte());
    const char* apiKey = key(in_.byte() | 0x80);
    const auto before = row(id);
    auto outcome = archives().stop(apiKey, id);
    const auto after = row(id);
    const bool wasStarted = before && before->status == "started";
    CHECK((outcome.status == Status::Ok) == (wasStarted && apiKey == kKey), id);
    if (outcome.status != Status::Ok) {
      CHECK(sameRow(before, after), "a refused stop changed the row " + id);
      CHECK(outcome.status == (before && apiKey == kKey ? Status::Conflict : Status::NotFound), id);
      return;
    }
    CHECK(after && after->status == "stopped", id);
    for (std::size_t s = 0; s < kSessions; ++s)
      for (const auto& listed : listedIn(w_.sessions[s].sessionId))
        CHECK(listed != id, "a stopped archive still listed");
  }

  void remove() {
    const std::string id = archiveId(in_.byte());
    const char* apiKey = key(in_.byte() | 0x80);
    const auto before = row(id);
    auto outcome = archives().remove(apiKey, id);
    const auto after = row(id);
    if (!before || apiKey != kKey) {
      CHECK(outcome.status == Status::NotFound, id);
      CHECK(sameRow(before, after), id);
      return;
    }
    if (rank(before->status) < 2) {
      CHECK(outcome.status == Status::Conflict, id);
      CHECK(sameRow(before, after), "delete changed a running archive " + id);
      return;
    }
    CHECK(outcome.status == Status::Ok, id);
    CHECK(!after, id);
    CHECK(!fs::exists(fs::path(archives().filePath(id, "individual"))), id);
    CHECK(!fs::exists(fs::path(archives().filePath(id, "composed"))), id);
    CHECK(!fs::exists(fs::path(w_.root) / id), id);
    deleted_.insert(id);
  }

  void changeStreams(bool add) {
    const std::string id = archiveId(in_.byte());
    const std::string st = streamId(in_.byte());
    const std::uint8_t flags = in_.byte();
    const char* apiKey = key(flags);
    const auto before = row(id);
    auto outcome = add ? archives().addStream(apiKey, id, st, !(flags & 2), !(flags & 4))
                       : archives().removeStream(apiKey, id, st);
    const auto after = row(id);
    if (outcome.status != Status::Ok) {
      CHECK(sameRow(before, after), "a refused stream change changed the row " + id);
      if (!before || apiKey != kKey) CHECK(outcome.status == Status::NotFound, id);
      return;
    }
    CHECK(apiKey == kKey && before && before->status == "started" && before->streamMode == "manual",
          id);
    CHECK(after && after->status == "started", id);
    const bool listed = after->streamsJson.find("\"" + st + "\"") != std::string::npos;
    CHECK(listed == add, id + " " + after->streamsJson);
  }

  void layout() {
    const std::string id = archiveId(in_.byte());
    const std::uint8_t b = in_.byte();
    static const char* const kTypes[] = {"bestFit", "pip", "verticalPresentation", "custom"};
    core::ArchiveOptions l;
    l.layoutType = kTypes[b % 4];
    if (l.layoutType == "custom") l.layoutStylesheet = "stream { width: 100%; }";
    if (b & 4) l.screenshareType = "pip";
    const char* apiKey = key(b);
    const auto before = row(id);
    auto outcome = archives().setLayout(apiKey, id, l);
    const auto after = row(id);
    // A screenshareType goes with bestFit only: the composer could not follow anything else.
    const bool invalid = !l.screenshareType.empty() && l.layoutType != "bestFit";
    if (outcome.status != Status::Ok) {
      CHECK((outcome.status == Status::NotFound && (!before || apiKey != kKey)) ||
                (outcome.status == Status::Invalid && invalid && before && apiKey == kKey),
            id);
      CHECK(sameRow(before, after), id);
      return;
    }
    CHECK(!invalid, id);
    CHECK(before && after && after->status == before->status, "layout changed the status " + id);
    CHECK(after->layoutJson.find(l.layoutType) != std::string::npos, after->layoutJson);
    layouts_[id] = after->layoutJson;
  }

  // Waits until the recorder has finished every ring that was closed and the packager is
  // idle, runs what they posted, and again, until nothing more comes.
  void settle() {
    for (int round = 0;; ++round) {
      CHECK(round < 1000, "settling never ends");
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
      while (p_->recorder->streams() != p_->sfu.openRings()) {
        CHECK(std::chrono::steady_clock::now() < deadline, "the recorder never finishes");
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      p_->packager->waitIdle();
      // A stopped composition reports once it has drawn its last picture (a frame or two).
      while (posts_.empty() && archives().composersFinishing() > 0) {
        CHECK(std::chrono::steady_clock::now() < deadline, "a composer never finishes");
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      if (posts_.empty()) return;
      posts_.run();
    }
  }

  // A kill -9: the SFU, the recorder and the packager stop (what the files need is on disk),
  // nothing they posted runs, and the next run recovers what was left.
  void restart() {
    p_->sfu.closeAll();
    p_->recorder.reset();
    p_->packager.reset();
    posts_.drop();
    p_.reset();
    joined_.clear();
    for (std::size_t i = 0; i < kSessions; ++i) emptiedMs_[i] = nowMs_;
    p_ = makeProcess();
    archives().recoverLeftovers();
    settle();  // recovery packages on the job thread
    checkAllFinished();
  }

  // app/Server.cpp's order: session news stops, the SFU is gone, compositions end, the
  // recorder finishes every file, what it posted runs, the packager finishes, what it posted
  // runs, and what still records is packaged by finishAtShutdown.
  void shutdown() {
    p_->sessions.setListener(nullptr);
    p_->sfu.closeAll();
    archives().stopComposers();
    p_->recorder.reset();
    posts_.run();
    p_->packager.reset();
    posts_.run();
    archives().finishAtShutdown();
    CHECK(archives().runningCount() == 0, "");
    checkAllFinished();
    checkAlways();
    p_->archives.reset();
    posts_.run();  // anything late finds the manager gone
    p_.reset();
    // The next input starts from nothing.
    for (const auto& a : store_.listArchives(kKey, "", 0, 1000).items)
      store_.deleteArchive(kKey, a.id);
    CHECK(store_.listArchives(kKey, "", 0, 1).total == 0, "");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(w_.root, ec)) fs::remove_all(entry.path(), ec);
  }

  void heard(const store::ArchiveRecord& a) {
    auto it = heard_.find(a.id);
    if (it == heard_.end()) {
      // A new archive is heard of as started; a recovered one (a crash lost its news) may be
      // heard of finished.
      CHECK(a.status == "started" || rank(a.status) == 2, a.id + " " + a.status);
    } else {
      CHECK(rank(it->second) < 2, "news after the end " + a.id + " " + a.status);
      CHECK(rank(a.status) > rank(it->second), "news going back " + a.id + " " + a.status);
    }
    heard_[a.id] = a.status;
  }

  void checkAlways() {
    const auto s = settingsIn("");
    CHECK(archives().runningCount() <= s.maxRunning, std::to_string(archives().runningCount()));
    for (std::size_t i = 0; i < kSessions; ++i) {
      const Json listed = archives().clientState(w_.sessions[i].sessionId);
      CHECK(listed.size() <= s.maxPerSession, std::to_string(listed.size()));
      for (const Json& a : listed.items()) {
        const std::string id = a.getString("id").value_or("");
        auto r = row(id);
        CHECK(r && r->status == "started", "listed but not started: " + id);
        CHECK(a.getString("status") == "started", id);
      }
    }
    for (const auto& [id, started] : startedMs_) {
      auto r = row(id);
      if (deleted_.count(id)) {
        CHECK(!r, "a deleted archive came back " + id);
        continue;
      }
      CHECK(r, "an archive row vanished " + id);
      auto seen = seen_.find(id);
      if (seen != seen_.end()) {
        CHECK(rank(r->status) >= rank(seen->second), id + " " + seen->second + "→" + r->status);
        if (rank(seen->second) == 2) CHECK(r->status == seen->second, id);
      }
      seen_[id] = r->status;
      if (auto l = layouts_.find(id); l != layouts_.end())
        CHECK(r->layoutJson == l->second, "a layout was lost " + id);
    }
  }

  // Right after a tick: no archive still listed is past its maximum duration or has sat in
  // an empty session past the idle stop.
  void checkDeadlines() {
    const auto s = settingsIn("");
    for (std::size_t i = 0; i < kSessions; ++i) {
      for (const auto& id : listedIn(w_.sessions[i].sessionId)) {
        const std::int64_t started = startedMs_.at(id);
        CHECK(nowMs_ - started < s.maxDurationS * 1000, "past the maximum duration " + id);
        if (!live(i))
          CHECK(nowMs_ - std::max(started, emptiedMs_[i]) < s.emptyStopS * 1000,
                "an empty session still archived " + id);
      }
    }
  }

  void checkSettled() {
    CHECK(store_.archivesWithStatus("stopped").empty(), "stuck in stopped");
    std::set<std::string> listed;
    for (std::size_t i = 0; i < kSessions; ++i)
      for (const auto& id : listedIn(w_.sessions[i].sessionId)) listed.insert(id);
    std::set<std::string> started;
    for (const auto& a : store_.archivesWithStatus("started")) started.insert(a.id);
    CHECK(listed == started, "started rows that nothing records");
    CHECK(archives().runningCount() == started.size(), "");
  }

  void checkAllFinished() {
    CHECK(store_.archivesWithStatus("started").empty(), "left started");
    CHECK(store_.archivesWithStatus("stopped").empty(), "left stopped");
    for (const auto& a : store_.listArchives(kKey, "", 0, 1000).items) {
      CHECK(rank(a.status) == 2, a.id);
      // ZipWriter and Mp4FileMuxer::finalize rename a finished file into place: one that is
      // there is whole.
      const bool file =
          fs::exists(fs::path(w_.root) / (a.id + (a.outputMode == "composed" ? ".mp4" : ".zip")));
      if (a.status == "available") CHECK(file, "available without its file " + a.id);
      if (a.status == "failed") CHECK(!file, "failed with its file there " + a.id);
    }
  }

  World& w_;
  Reader in_;
  store::SqliteStore& store_;
  PostQueue posts_;
  std::int64_t nowMs_ = kStartMs;
  std::unique_ptr<Process> p_;
  int restarts_ = 0;
  std::map<std::string, std::size_t> joined_;  // connection → session index
  std::array<std::int64_t, kSessions> emptiedMs_{};
  std::vector<std::string> ids_;
  std::map<std::string, std::string> tags_;
  std::map<std::string, std::int64_t> startedMs_;
  std::map<std::string, std::string> seen_;   // last store status
  std::map<std::string, std::string> heard_;  // last status the listener heard
  std::map<std::string, std::string> layouts_;
  std::set<std::string> deleted_;
};

}  // namespace

// libFuzzer's entropic scheduler keeps every feature seen fewer than 255 times in a list that
// it searches for each feature of each run. This target's inputs are slow (threads, files,
// SQLite) and each touches tens of thousands of features, so that search took about 80% of
// the time (15 inputs/s against 70 without it) and the run-fuzzers budget would end long
// before its runs. Off by default here; a -entropic= on the command line still wins (later
// flags override earlier ones).
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  static std::vector<char*> args;
  static char entropicOff[] = "-entropic=0";
  args.assign(*argv, *argv + *argc);
  args.insert(args.begin() + (args.empty() ? 0 : 1), entropicOff);
  args.push_back(nullptr);
  *argc = static_cast<int>(args.size()) - 1;
  *argv = args.data();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  Harness(w, data, size).run();
  return 0;
}
