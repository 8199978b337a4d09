#include "media/Sfu.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

namespace parley::media {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string chromeOffer() {
  return readFile(std::string(PARLEY_TEST_DATA_DIR) +
                  "/../../fuzz/corpus/sdp/chrome_publisher_offer.sdp");
}

std::string attribute(const std::string& sdp, const std::string& name) {
  std::smatch m;
  std::regex re("a=" + name + ":([^\\r\\n]+)");
  return std::regex_search(sdp, m, re) ? m[1].str() : "";
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

// What a browser answers to the SFU's subscriber offer: its own ICE and DTLS, recvonly.
std::string browserAnswerTo(const std::string& offer) {
  std::string a = offer;
  a = std::regex_replace(a, std::regex("a=ice-ufrag:[^\\r\\n]+"), "a=ice-ufrag:brws");
  a = std::regex_replace(a, std::regex("a=ice-pwd:[^\\r\\n]+"),
                         "a=ice-pwd:browserpasswordbrowserpass");
  a = std::regex_replace(a, std::regex("a=fingerprint:sha-256 [^\\r\\n]+"),
                         "a=fingerprint:sha-256 "
                         "3B:8F:21:6C:D0:77:9A:E4:5C:12:FF:08:B3:6E:41:9D:2A:C7:55:E0:1B:94:6F:3D:"
                         "88:0C:A2:7E:D9:14:5B:C6");
  a = replaceAll(a, "a=setup:actpass", "a=setup:active");
  a = replaceAll(a, "a=sendonly", "a=recvonly");
  a = replaceAll(a, "a=ice-lite\r\n", "");
  return a;
}

class SfuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Sfu::Settings s;
    s.basePort = 0;
    s.workers = 2;
    sfu = std::make_unique<Sfu>(io, s);
    sfu->start();
    offer = chromeOffer();
    ASSERT_FALSE(offer.empty());
  }
  void TearDown() override { sfu->stop(); }

  // Statistics that reflect everything asked of the SFU so far: sessionStats answers from the
  // latest snapshot, so the control loop runs until the one it promised has arrived.
  core::Json freshStats(const std::string& sessionId) {
    const double wanted = sfu->sessionStats(sessionId).getNumber("nextSnapshot").value_or(0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      io.restart();
      io.poll();
      auto stats = sfu->sessionStats(sessionId);
      if (stats.getNumber("snapshot").value_or(0) >= wanted ||
          std::chrono::steady_clock::now() > deadline)
        return stats;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  boost::asio::io_context io;
  std::unique_ptr<Sfu> sfu;
  std::string offer;
};

TEST_F(SfuTest, AnswersAPublisherWithTheWorkersCandidatesAndIceLite) {
  auto n = sfu->publisherOffer("s1", "stream1", offer);
  ASSERT_TRUE(n.ok) << n.error;
  EXPECT_NE(n.sdp.find("a=ice-lite"), std::string::npos);
  EXPECT_NE(n.sdp.find("a=recvonly"), std::string::npos);
  EXPECT_EQ(attribute(n.sdp, "fingerprint"), "sha-256 " + sfu->fingerprint());
  ASSERT_EQ(n.candidates.size(), 2u);
  const auto& w = sfu->workers();
  const bool onSomeWorker =
      n.candidates[0].find(" " + std::to_string(w[0]->port()) + " typ host") != std::string::npos ||
      n.candidates[0].find(" " + std::to_string(w[1]->port()) + " typ host") != std::string::npos;
  EXPECT_TRUE(onSomeWorker) << n.candidates[0];
  EXPECT_NE(n.candidates[1].find("tcptype passive"), std::string::npos);
  EXPECT_EQ(n.sdpMid, "0");
}

TEST_F(SfuTest, RenegotiationKeepsCredentialsAndAnIceRestartChangesThem) {
  auto first = sfu->publisherOffer("s1", "stream1", offer);
  ASSERT_TRUE(first.ok);
  auto again = sfu->publisherOffer("s1", "stream1", offer);
  ASSERT_TRUE(again.ok);
  EXPECT_EQ(attribute(again.sdp, "ice-ufrag"), attribute(first.sdp, "ice-ufrag"));
  auto restarted = sfu->publisherOffer("s1", "stream1",
                                       replaceAll(offer, "a=ice-ufrag:Xk3p", "a=ice-ufrag:Rst9"));
  ASSERT_TRUE(restarted.ok);
  EXPECT_NE(attribute(restarted.sdp, "ice-ufrag"), attribute(first.sdp, "ice-ufrag"));
  EXPECT_NE(attribute(restarted.sdp, "ice-pwd"), attribute(first.sdp, "ice-pwd"));
}

TEST_F(SfuTest, RefusesBadOffersAndChangesNothing) {
  EXPECT_FALSE(sfu->publisherOffer("s1", "stream1", "not sdp").ok);
  EXPECT_FALSE(
      sfu->publisherOffer("s1", "stream1", replaceAll(offer, "a=fingerprint", "a=x-fingerprint"))
          .ok);
  auto stats = sfu->sessionStats("s1");
  EXPECT_EQ(stats.find("publications")->size(), 0u);
  EXPECT_FALSE(sfu->subscribe("s1", "stream1", "sub1", true, true).ok);
}

TEST_F(SfuTest, SubscribeOffersTheStreamAndTakesTheBrowsersAnswer) {
  ASSERT_TRUE(sfu->publisherOffer("s1", "stream1", offer).ok);
  auto sub = sfu->subscribe("s1", "stream1", "sub1", true, true);
  ASSERT_TRUE(sub.ok) << sub.error;
  EXPECT_NE(sub.sdp.find("a=sendonly"), std::string::npos);
  EXPECT_NE(sub.sdp.find("a=setup:actpass"), std::string::npos);
  EXPECT_NE(sub.sdp.find("a=msid:stream1 "), std::string::npos);
  EXPECT_FALSE(sfu->subscriberAnswer("s1", "sub1", "garbage").ok);
  EXPECT_FALSE(sfu->subscriberAnswer("s1", "nobody", browserAnswerTo(sub.sdp)).ok);
  auto answered = sfu->subscriberAnswer("s1", "sub1", browserAnswerTo(sub.sdp));
  EXPECT_TRUE(answered.ok) << answered.error;

  auto stats = freshStats("s1");
  ASSERT_EQ(stats.find("publications")->size(), 1u);
  ASSERT_EQ(stats.find("subscriptions")->size(), 1u);
  const auto& consumers = *stats.find("subscriptions")->at(0).find("consumers");
  EXPECT_EQ(consumers.size(), 2u);  // audio and video

  sfu->unsubscribe("s1", "sub1");
  sfu->unpublish("s1", "stream1");
  stats = freshStats("s1");
  EXPECT_EQ(stats.find("publications")->size(), 0u);
}

TEST_F(SfuTest, AnsweringASubscribersIceRestartOfferGivesNewCredentials) {
  ASSERT_TRUE(sfu->publisherOffer("s1", "stream1", offer).ok);
  auto sub = sfu->subscribe("s1", "stream1", "sub1", true, true);
  ASSERT_TRUE(sub.ok);
  std::string browserAnswer = browserAnswerTo(sub.sdp);
  ASSERT_TRUE(sfu->subscriberAnswer("s1", "sub1", browserAnswer).ok);
  // The browser's restart offer: new ufrag, setup actpass, recvonly.
  std::string restartOffer =
      replaceAll(replaceAll(browserAnswer, "a=ice-ufrag:brws", "a=ice-ufrag:brw2"),
                 "a=setup:active", "a=setup:actpass");
  auto answer = sfu->subscriberOffer("s1", "sub1", restartOffer);
  ASSERT_TRUE(answer.ok) << answer.error;
  EXPECT_NE(attribute(answer.sdp, "ice-ufrag"), attribute(sub.sdp, "ice-ufrag"));
  EXPECT_NE(answer.sdp.find("a=setup:passive"), std::string::npos);
  EXPECT_NE(answer.sdp.find("a=sendonly"), std::string::npos);
}

TEST_F(SfuTest, SessionsArePlacedOnTheLeastLoadedWorker) {
  ASSERT_TRUE(sfu->publisherOffer("a", "streamA", offer).ok);
  auto statsA = freshStats("a");  // the worker has run the command: its transport is counted
  ASSERT_EQ(statsA.find("publications")->size(), 1u);
  ASSERT_TRUE(sfu->publisherOffer("b", "streamB", offer).ok);
  auto statsB = freshStats("b");
  ASSERT_TRUE(statsA.getNumber("worker") && statsB.getNumber("worker"));
  EXPECT_NE(*statsA.getNumber("worker"), *statsB.getNumber("worker"));
  // A stream of an already placed session stays with it.
  ASSERT_TRUE(sfu->publisherOffer("a", "streamA2", offer).ok);
  auto again = freshStats("a");
  EXPECT_EQ(*again.getNumber("worker"), *statsA.getNumber("worker"));
  EXPECT_EQ(again.find("publications")->size(), 2u);
}

// The control thread (signaling, REST) must not stall behind a busy media worker: the stats
// come from the latest snapshot, with its age, and the new one follows.
TEST_F(SfuTest, SessionStatsNeverWaitForABusyWorker) {
  ASSERT_TRUE(sfu->publisherOffer("s1", "stream1", offer).ok);
  auto before = freshStats("s1");
  ASSERT_EQ(before.find("publications")->size(), 1u);
  ASSERT_TRUE(before.getNumber("worker"));

  // Hold the session's worker until the end of the test (or of the scope, on failure).
  std::promise<void> holding;
  std::promise<void> release;
  auto released = release.get_future().share();
  struct Releaser {
    std::promise<void>& p;
    ~Releaser() { p.set_value(); }
  } releaser{release};
  sfu->workers()[static_cast<size_t>(*before.getNumber("worker"))]->post([&holding, released] {
    holding.set_value();
    released.wait();
  });
  holding.get_future().wait();

  ASSERT_TRUE(sfu->publisherOffer("s1", "stream2", offer).ok);
  auto during = sfu->sessionStats("s1");
  EXPECT_FALSE(during.contains("error")) << during.dump();
  ASSERT_NE(during.find("publications"), nullptr) << during.dump();
  EXPECT_EQ(during.find("publications")->size(), 1u);  // the snapshot from before stream2
  EXPECT_TRUE(during.getNumber("ageMs")) << during.dump();
  EXPECT_EQ(during.getNumber("snapshot"), before.getNumber("snapshot"));
  EXPECT_GT(*during.getNumber("nextSnapshot"), *during.getNumber("snapshot"));
  // Asking again while the worker is held queues nothing more than the one owed request.
  EXPECT_EQ(sfu->sessionStats("s1").getNumber("nextSnapshot"), during.getNumber("nextSnapshot"));
}

TEST_F(SfuTest, StatsOfABusyWorkerArriveOnceItIsFree) {
  ASSERT_TRUE(sfu->publisherOffer("s1", "stream1", offer).ok);
  auto before = freshStats("s1");
  std::promise<void> holding;
  std::promise<void> release;
  auto released = release.get_future().share();
  sfu->workers()[static_cast<size_t>(*before.getNumber("worker"))]->post([&holding, released] {
    holding.set_value();
    released.wait();
  });
  holding.get_future().wait();
  ASSERT_TRUE(sfu->publisherOffer("s1", "stream2", offer).ok);
  const auto promised = sfu->sessionStats("s1").getNumber("nextSnapshot");
  release.set_value();
  ASSERT_TRUE(promised);
  auto after = freshStats("s1");
  ASSERT_TRUE(after.getNumber("snapshot"));
  EXPECT_GE(*after.getNumber("snapshot"), *promised);
  EXPECT_EQ(after.find("publications")->size(), 2u);
}

}  // namespace
}  // namespace parley::media

namespace parley::media {
namespace {

// One session bigger than a worker: with no slack allowed, each new subscription goes to the
// least loaded worker, and the publication is mirrored there once — the stats list every
// subscription with its worker and the publication once.
TEST_F(SfuTest, ASessionsSubscriptionsSpreadOverTheWorkersThroughOneMirror) {
  sfu->stop();
  Sfu::Settings s;
  s.basePort = 0;
  s.workers = 2;
  s.sessionSpread = 0;
  sfu = std::make_unique<Sfu>(io, s);
  sfu->start();
  ASSERT_TRUE(sfu->publisherOffer("big", "stream", offer).ok);
  for (const char* id : {"sub1", "sub2", "sub3", "sub4"}) {
    auto n = sfu->subscribe("big", "stream", id, true, true);
    ASSERT_TRUE(n.ok) << n.error;
  }
  auto stats = freshStats("big");
  ASSERT_EQ(stats.find("publications")->size(), 1u) << stats.dump();
  const auto* subs = stats.find("subscriptions");
  ASSERT_EQ(subs->size(), 4u) << stats.dump();
  std::map<long long, int> perWorker;
  for (const auto& sub : subs->items()) ++perWorker[*sub.getInt("worker")];
  EXPECT_EQ(perWorker.size(), 2u) << stats.dump();
  EXPECT_GE(perWorker.begin()->second, 1);

  // The subscriptions on the mirror's worker go; then the publication: nothing is left.
  for (const char* id : {"sub1", "sub2", "sub3", "sub4"}) sfu->unsubscribe("big", id);
  auto after = freshStats("big");
  EXPECT_EQ(after.find("subscriptions")->size(), 0u) << after.dump();
  EXPECT_EQ(after.find("publications")->size(), 1u) << after.dump();
  sfu->unpublish("big", "stream");
  for (auto& w : sfu->workers()) {
    std::promise<size_t> routers;
    w->post([&] { routers.set_value(w->routers().size()); });
    EXPECT_EQ(routers.get_future().get(), 0u) << "worker " << w->index();
  }
}

}  // namespace
}  // namespace parley::media
