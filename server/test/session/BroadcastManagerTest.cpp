#include "session/BroadcastManager.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/SessionId.h"
#include "session/SessionManager.h"
#include "store/SqliteStore.h"

namespace parley::session {
namespace {

namespace fs = std::filesystem;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";

// No publications: the broadcasts compose a black canvas and silence.
class NoMedia : public media::MediaService {
 public:
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
  void unpublish(const std::string&, const std::string&) override {}
  void unsubscribe(const std::string&, const std::string&) override {}
  void setPublisherTrack(const std::string&, const std::string&, media::TrackKind, bool) override {}
  void setSubscriberTrack(const std::string&, const std::string&, media::TrackKind, bool) override {
  }
  void setSubscriberPreferredSize(const std::string&, const std::string&, uint32_t, uint32_t,
                                  uint32_t) override {}
  std::vector<PublishedTrack> publishedTracks(const std::string&, const std::string&) override {
    return {};
  }
  void startRecording(const std::string&, const std::string&, uint64_t,
                      std::shared_ptr<record::PacketRing>, std::vector<uint8_t>) override {}
  void stopRecording(const std::string&, uint64_t) override {}
  void requestKeyframe(const std::string&, const std::string&) override {}
  core::Json sessionStats(const std::string&) override { return core::Json::object(); }
};

class BroadcastManagerTest : public ::testing::Test {
 protected:
  BroadcastManagerTest()
      : store_(":memory:"),
        sessions_(store_, SessionLimits{},
                  [](std::string_view key) -> std::optional<std::string> {
                    if (key == kKey) return std::string(kSecret);
                    return std::nullopt;
                  }),
        dir_(fs::temp_directory_path() / ("parley-broadcasts-" + core::Crypto::uuid4())) {
    store_.insertProject({kKey, kSecret, "test", 1});
  }
  ~BroadcastManagerTest() override {
    manager_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  BroadcastManager& manager(BroadcastManager::Settings s = {}) {
    s.directory = dir_.string();
    manager_ = std::make_unique<BroadcastManager>(
        store_, sessions_, media_, recorder_,
        [this](std::function<void()> fn) {
          std::lock_guard lock(postedMutex_);
          posted_.push_back(std::move(fn));
        },
        s, [this] { return now_; });
    return *manager_;
  }

  // Runs what other threads posted to the "control thread", until `done` or 20 s.
  bool drainUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::vector<std::function<void()>> batch;
      {
        std::lock_guard lock(postedMutex_);
        batch.swap(posted_);
      }
      for (auto& fn : batch) fn();
      if (batch.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  std::string addSession(core::MediaMode mode = core::MediaMode::Routed, bool e2ee = false) {
    store::SessionRecord r;
    r.apiKey = kKey;
    r.properties.mediaMode = mode;
    r.properties.e2ee = e2ee;
    r.createdAtMs = core::Clock::nowMs();
    r.sessionId =
        core::SessionId::generate(kKey, "", r.createdAtMs, mode == core::MediaMode::Relayed);
    store_.insertSession(r);
    return r.sessionId;
  }

  static core::BroadcastOptions hls(const std::string& sessionId, const std::string& tag = "") {
    core::BroadcastOptions o;
    o.sessionId = sessionId;
    o.hls = core::BroadcastOptions::Hls{};
    o.multiBroadcastTag = tag;
    return o;
  }

  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  store::SqliteStore store_;
  SessionManager sessions_;
  NoMedia media_;
  record::Recorder recorder_;
  fs::path dir_;
  std::int64_t now_ = 1'000'000;
  std::mutex postedMutex_;
  std::vector<std::function<void()>> posted_;
  std::unique_ptr<BroadcastManager> manager_;
};

using Status = BroadcastManager::Status;

TEST_F(BroadcastManagerTest, RefusesSessionsItCannotBroadcast) {
  auto& m = manager();
  EXPECT_EQ(m.start(kKey, hls("1_MX4xMjM0NTY3OH5-bm9uZQ")).status, Status::SessionNotFound);
  const std::string routed = addSession();
  EXPECT_EQ(m.start("87654321", hls(routed)).status, Status::SessionNotFound)
      << "another project's session";
  EXPECT_EQ(m.start(kKey, hls(addSession(core::MediaMode::Relayed))).status, Status::Conflict);
  EXPECT_EQ(m.start(kKey, hls(addSession(core::MediaMode::Routed, true))).status, Status::Conflict);
  auto noOutput = hls(routed);
  noOutput.hls.reset();
  EXPECT_EQ(m.start(kKey, noOutput).status, Status::Invalid);
  auto badLayout = hls(routed);
  badLayout.layoutType = "custom";
  badLayout.layoutStylesheet = "stream {";
  EXPECT_EQ(m.start(kKey, badLayout).status, Status::Invalid);
  EXPECT_EQ(m.runningCount(), 0u);
  EXPECT_EQ(m.list(kKey, "", 0, 100).total, 0u);
  EXPECT_TRUE(!fs::exists(dir_) || fs::is_empty(dir_)) << "nothing left on disk";
}

TEST_F(BroadcastManagerTest, OnePerSessionUnlessTaggedAndBoundedPerSessionAndServer) {
  BroadcastManager::Settings s;
  s.maxPerSession = 2;
  s.maxRunning = 3;
  auto& m = manager(s);
  const std::string one = addSession();
  const auto first = m.start(kKey, hls(one));
  ASSERT_EQ(first.status, Status::Ok) << first.message;
  EXPECT_EQ(m.start(kKey, hls(one)).status, Status::Conflict);
  EXPECT_EQ(m.start(kKey, hls(one, "a")).status, Status::Conflict) << "the first has no tag";
  ASSERT_EQ(m.stop(kKey, first.broadcast->id).status, Status::Ok);
  EXPECT_EQ(m.stop(kKey, first.broadcast->id).status, Status::Conflict) << "stopped already";
  EXPECT_EQ(m.stop(kKey, "no-such-id").status, Status::NotFound);

  ASSERT_EQ(m.start(kKey, hls(one, "a")).status, Status::Ok);
  EXPECT_EQ(m.start(kKey, hls(one, "a")).status, Status::Conflict) << "same tag";
  ASSERT_EQ(m.start(kKey, hls(one, "b")).status, Status::Ok);
  EXPECT_EQ(m.start(kKey, hls(one, "c")).status, Status::Conflict) << "two per session";
  ASSERT_EQ(m.start(kKey, hls(addSession())).status, Status::Ok);
  EXPECT_EQ(m.start(kKey, hls(addSession())).status, Status::Conflict) << "three on the server";
  EXPECT_EQ(m.runningCount(), 3u);
  m.finishAtShutdown();
  EXPECT_EQ(m.runningCount(), 0u);
}

TEST_F(BroadcastManagerTest, MaxDurationAndAnEmptySessionStopIt) {
  BroadcastManager::Settings s;
  s.emptyStopS = 120;
  auto& m = manager(s);
  auto options = hls(addSession());
  options.maxDurationS = 60;
  const auto shortOne = m.start(kKey, options);
  ASSERT_EQ(shortOne.status, Status::Ok);
  const auto idle = m.start(kKey, hls(addSession()));
  ASSERT_EQ(idle.status, Status::Ok);
  now_ += 59'999;
  m.tick();
  EXPECT_EQ(m.find(kKey, shortOne.broadcast->id)->status, "started");
  now_ += 1;
  m.tick();
  EXPECT_EQ(m.find(kKey, shortOne.broadcast->id)->status, "stopped");
  EXPECT_EQ(m.find(kKey, shortOne.broadcast->id)->reason, "maximum duration exceeded");
  EXPECT_EQ(m.find(kKey, idle.broadcast->id)->status, "started");
  now_ += 60'000;  // nobody has been connected for 120 s
  m.tick();
  EXPECT_EQ(m.find(kKey, idle.broadcast->id)->status, "stopped");
  EXPECT_EQ(m.find(kKey, idle.broadcast->id)->reason, "session ended");
  m.finishAtShutdown();
}

TEST_F(BroadcastManagerTest, HlsIsWrittenThenEndedThenRemovedAfterTheKeepTime) {
  BroadcastManager::Settings s;
  s.hlsKeepS = 600;
  auto& m = manager(s);
  const auto b = m.start(kKey, hls(addSession()));
  ASSERT_EQ(b.status, Status::Ok);
  const std::string id = b.broadcast->id;
  const fs::path directory = m.hlsDirectory(id);
  EXPECT_EQ(directory, dir_ / id / "hls");
  const fs::path playlist = directory / "playlist.m3u8";
  ASSERT_TRUE(drainUntil([&] { return read(playlist).find("segment") != std::string::npos; }))
      << "no playlist with a segment in " << directory;
  ASSERT_EQ(m.stop(kKey, id).status, Status::Ok);
  ASSERT_TRUE(
      drainUntil([&] { return read(playlist).find("#EXT-X-ENDLIST") != std::string::npos; }));
  // Served (and kept) until the keep time has passed.
  now_ += 599'999;
  m.tick();
  EXPECT_TRUE(fs::exists(playlist));
  EXPECT_EQ(m.hlsDirectory(id), directory);
  now_ += 1;
  m.tick();
  EXPECT_FALSE(fs::exists(dir_ / id));
  EXPECT_EQ(m.hlsDirectory(id), "");
  EXPECT_EQ(m.find(kKey, id)->status, "stopped") << "the broadcast itself is still listed";
}

TEST_F(BroadcastManagerTest, KeepsABoundedHistoryNewestFirst) {
  BroadcastManager::Settings s;
  s.keptStopped = 2;
  auto& m = manager(s);
  const std::string sessionId = addSession();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto b = m.start(kKey, hls(sessionId));
    ASSERT_EQ(b.status, Status::Ok);
    ids.push_back(b.broadcast->id);
    ASSERT_EQ(m.stop(kKey, ids.back()).status, Status::Ok);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct createdAt
  }
  m.tick();
  EXPECT_FALSE(m.find(kKey, ids[0])) << "the oldest stopped one is forgotten";
  EXPECT_FALSE(fs::exists(dir_ / ids[0])) << "with its files";
  const auto page = m.list(kKey, sessionId, 0, 10);
  ASSERT_EQ(page.total, 2u);
  EXPECT_EQ(page.items[0].id, ids[2]);
  EXPECT_EQ(page.items[1].id, ids[1]);
  EXPECT_EQ(m.list(kKey, sessionId, 1, 10).items.size(), 1u);
  EXPECT_EQ(m.list("87654321", "", 0, 10).total, 0u) << "another project sees none";
  m.finishAtShutdown();
}

TEST_F(BroadcastManagerTest, ARefusedRtmpTargetIsReportedAndTheBroadcastGoesOn) {
  auto& m = manager();
  auto options = hls(addSession());
  options.hls.reset();
  // Port 9 (discard) on loopback: nothing listens, the connection is refused.
  options.rtmp.push_back({"dead", "rtmp://127.0.0.1:9/live", "key"});
  const auto b = m.start(kKey, options);
  ASSERT_EQ(b.status, Status::Ok) << b.message;
  EXPECT_EQ(m.hlsDirectory(b.broadcast->id), "") << "no HLS output";
  ASSERT_EQ(b.broadcast->rtmp.size(), 1u);
  EXPECT_EQ(b.broadcast->rtmp[0].status, "connecting");
  ASSERT_TRUE(
      drainUntil([&] { return m.find(kKey, b.broadcast->id)->rtmp[0].status != "connecting"; }));
  const auto now = m.find(kKey, b.broadcast->id);
  EXPECT_TRUE(now->rtmp[0].status == "error" || now->rtmp[0].status == "offline")
      << now->rtmp[0].status;
  EXPECT_EQ(now->status, "started");
  m.finishAtShutdown();
}

TEST_F(BroadcastManagerTest, LayoutAndStreamsFollowTheArchiveRules) {
  auto& m = manager();
  const std::string sessionId = addSession();
  const auto autoOne = m.start(kKey, hls(sessionId, "auto"));
  ASSERT_EQ(autoOne.status, Status::Ok);
  core::ArchiveOptions layout;
  layout.layoutType = "pip";
  EXPECT_EQ(m.setLayout(kKey, autoOne.broadcast->id, layout).status, Status::Ok);
  layout.layoutType = "custom";
  layout.layoutStylesheet = "stream {";
  EXPECT_EQ(m.setLayout(kKey, autoOne.broadcast->id, layout).status, Status::Invalid);
  EXPECT_EQ(m.addStream(kKey, autoOne.broadcast->id, "s1", true, true).status, Status::NotAllowed);
  auto manualOptions = hls(sessionId, "manual");
  manualOptions.streamMode = core::ArchiveOptions::StreamMode::Manual;
  const auto manual = m.start(kKey, manualOptions);
  ASSERT_EQ(manual.status, Status::Ok);
  EXPECT_EQ(m.addStream(kKey, manual.broadcast->id, "s1", true, true).status, Status::NotFound);
  EXPECT_EQ(m.removeStream(kKey, manual.broadcast->id, "s1").status, Status::NotFound);
  EXPECT_EQ(m.addStream(kKey, manual.broadcast->id, "s1", false, false).status, Status::Invalid);
  ASSERT_EQ(m.stop(kKey, manual.broadcast->id).status, Status::Ok);
  layout.layoutType = "pip";
  layout.layoutStylesheet.clear();
  EXPECT_EQ(m.setLayout(kKey, manual.broadcast->id, layout).status, Status::Conflict);
  EXPECT_EQ(m.setLayout(kKey, "no-such-id", layout).status, Status::NotFound);
  m.finishAtShutdown();
}

TEST_F(BroadcastManagerTest, LeftoversOfAnEarlierRunAreRemoved) {
  fs::create_directories(dir_ / "old-broadcast" / "hls");
  std::ofstream(dir_ / "old-broadcast" / "hls" / "playlist.m3u8") << "#EXTM3U\n";
  auto& m = manager();
  m.removeLeftovers();
  EXPECT_FALSE(fs::exists(dir_ / "old-broadcast"));
}

}  // namespace
}  // namespace parley::session
