#include "record/RtmpMuxer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../store/TempDirectory.h"
#include "MediaCheck.h"
#include "record/CompositionEncoder.h"
#include "record/Mp4FileMuxer.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;
using Status = RtmpMuxer::Status;
using mediacheck::ClipFeeder;
using namespace std::chrono_literals;

// What a muxer's listener was told, in order, from the pushing thread.
class StatusLog {
 public:
  struct Entry {
    Status status;
    std::string why;
  };
  RtmpMuxer::Listener listener() {
    return [this](Status status, const std::string& why) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.push_back({status, why});
      }
      changed_.notify_all();
    };
  }
  bool waitFor(Status status, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& e : entries_)
        if (e.status == status) return true;
      return false;
    });
  }
  std::vector<Entry> entries() {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
  }
  bool saw(Status status) {
    for (const auto& e : entries())
      if (e.status == status) return true;
    return false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Entry> entries_;
};

// A TCP socket listening on a free loopback port that says nothing: the kernel completes
// connections to it until they are accepted.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd_, 8) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      ADD_FAILURE() << "cannot listen on loopback";
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() {
    closeListener();
    for (int fd : accepted_) ::close(fd);
  }
  int port() const { return port_; }
  std::string url() const { return "rtmp://127.0.0.1:" + std::to_string(port_) + "/live/x"; }
  // Afterwards, connections to the port are refused.
  void closeListener() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Waits for a connection and accepts it; false when none came within `timeout`.
  bool accept(std::chrono::milliseconds timeout, bool keepOpen) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    const int fd = ::accept(fd_, nullptr, nullptr);
    if (fd < 0) return false;
    if (keepOpen)
      accepted_.push_back(fd);
    else
      ::close(fd);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> accepted_;
};

class RtmpMuxerTest : public ::testing::Test {
 protected:
  // An encoder pushing to `url`, and with `mp4`, also writing that file.
  std::unique_ptr<CompositionEncoder> open(const std::string& url, const fs::path& mp4 = {}) {
    std::vector<std::unique_ptr<PacketMuxer>> muxers;
    muxers.push_back(std::make_unique<RtmpMuxer>(url, log_.listener()));
    if (!mp4.empty()) muxers.push_back(std::make_unique<Mp4FileMuxer>(mp4.string()));
    std::string error;
    auto encoder =
        CompositionEncoder::create(mediacheck::clipSettings(), std::move(muxers), &error);
    EXPECT_TRUE(encoder) << error;
    return encoder;
  }
  // Finishes `encoder`, and how long that took.
  static std::chrono::milliseconds timedFinish(CompositionEncoder& encoder, bool* ok) {
    const auto start = std::chrono::steady_clock::now();
    std::string error;
    *ok = encoder.finish(&error);
    EXPECT_TRUE(*ok) << error;
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  }

  // Generous: the machine may be busy; a working muxer answers in well under a second.
  static constexpr auto kWait = 30s;
  // The muxer's own network timeout (rw_timeout) would end any wait after 5 s even without
  // finish() interrupting it; finishing well before that shows the interrupt worked.
  static constexpr auto kPromptFinish = 4000ms;

  StatusLog log_;  // outlives the encoders (declared first)
  store::test::TempDirectory dir_;
};

TEST_F(RtmpMuxerTest, UnreachableServerIsAnErrorButTheArchiveGoesOn) {
  SilentServer server;
  const std::string url = server.url();
  server.closeListener();  // nothing listens there any more: connections are refused
  const fs::path fragmented = dir_.path() / "composed.frag.mp4";
  auto encoder = open(url, fragmented);
  ASSERT_TRUE(encoder);
  ClipFeeder feeder(*encoder);
  ASSERT_TRUE(feeder.feed(3)) << "a dead RTMP target does not fail the composition";
  ASSERT_TRUE(log_.waitFor(Status::Error, kWait));
  const auto entries = log_.entries();
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.front().status, Status::Connecting);
  for (const auto& e : entries) {
    EXPECT_NE(e.status, Status::Live);
    if (e.status == Status::Error) EXPECT_FALSE(e.why.empty()) << "the error says why";
  }
  EXPECT_STREQ(RtmpMuxer::statusName(Status::Error), "error");
  ASSERT_TRUE(feeder.feed(1)) << "still writing while the target is retried";

  bool ok = false;
  EXPECT_LT(timedFinish(*encoder, &ok), kPromptFinish);
  EXPECT_TRUE(ok);
  std::string error;
  std::int64_t durationMs = 0;
  const fs::path mp4 = dir_.path() / "archive.mp4";
  ASSERT_TRUE(Mp4FileMuxer::finalize(fragmented.string(), mp4.string(), &durationMs, &error))
      << error;
  const mediacheck::Streams s = mediacheck::probeStreams(mp4);
  ASSERT_TRUE(s.has("h264"));
  ASSERT_TRUE(s.has("aac"));
  EXPECT_EQ(s.frames.at("h264"), feeder.frames());
}

TEST_F(RtmpMuxerTest, AServerThatHangsUpIsTriedAgain) {
  SilentServer server;
  auto encoder = open(server.url());
  ASSERT_TRUE(encoder);
  ClipFeeder feeder(*encoder);
  ASSERT_TRUE(feeder.feed(1));
  // Each connection is closed at once, before any RTMP handshake: the muxer reports an error
  // and comes back (after its back-off).
  ASSERT_TRUE(server.accept(kWait, false)) << "no first connection";
  ASSERT_TRUE(log_.waitFor(Status::Error, kWait));
  ASSERT_TRUE(server.accept(kWait, false)) << "not tried again";
  EXPECT_FALSE(log_.saw(Status::Live));
  bool ok = false;
  EXPECT_LT(timedFinish(*encoder, &ok), kPromptFinish);
}

TEST_F(RtmpMuxerTest, FinishInterruptsAServerThatNeverAnswers) {
  SilentServer server;
  auto encoder = open(server.url());
  ASSERT_TRUE(encoder);
  ClipFeeder feeder(*encoder);
  ASSERT_TRUE(feeder.feed(1));
  // The connection is made (the kernel accepts it) and the muxer waits for the server's half
  // of the RTMP handshake, which never comes.
  ASSERT_TRUE(server.accept(kWait, true)) << "no connection";
  ASSERT_TRUE(feeder.feed(1)) << "the composition does not wait for the server";
  for (const auto& e : log_.entries()) EXPECT_EQ(e.status, Status::Connecting);
  bool ok = false;
  EXPECT_LT(timedFinish(*encoder, &ok), kPromptFinish) << "finish() interrupts the handshake";
  EXPECT_FALSE(log_.saw(Status::Live));
}

}  // namespace
}  // namespace parley::record
