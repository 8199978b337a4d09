// The SFU's link to the other nodes (MediaRelay): where a subscriber transport placed on
// another node goes, from the node records the heartbeat listed, and the messages between
// nodes over Redis; and the media fields of a node record.
#include "cluster/MediaRelay.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <thread>

#include "RedisTestServer.h"
#include "cluster/NodeRecord.h"
#include "cluster/RedisConnection.h"
#include "core/Clock.h"
#include "obs/Metrics.h"

namespace parley::cluster {
namespace {

using test::RedisTestServer;
using namespace std::chrono_literals;

// A live node with media workers carrying `transports` each.
NodeRecord mediaNode(const std::string& id, std::vector<std::int64_t> transports) {
  NodeRecord r;
  r.id = id;
  r.publicUrl = "http://" + id + ".example:5080";
  r.heartbeatAtMs = core::Clock::nowMs();
  r.mediaIp = "10.0.0." + std::to_string(id.size());
  r.mediaFingerprint = "AB:CD:" + id;
  for (size_t i = 0; i < transports.size(); ++i)
    r.mediaWorkers.push_back(
        {40000 + static_cast<int>(i), 41000 + static_cast<int>(i), transports[i]});
  return r;
}

std::uint64_t messages(const char* outcome) {
  return obs::Metrics::instance()
      .counter("parley_cluster_media_messages_total",
               "Media commands and news exchanged with other nodes (cascading)",
               std::string("outcome=\"") + outcome + "\"")
      .value();
}

// Placement reads only the records it was given: no message flows, Redis is never asked.
class MediaRelayTest : public ::testing::Test {
 protected:
  MediaRelay::Settings settings() {
    MediaRelay::Settings s;
    s.nodeId = "self";
    s.redisUrl = "redis://127.0.0.1:1";
    s.heartbeat = 1000ms;
    return s;
  }

  boost::asio::io_context io_;
  RedisConnection redis_{"redis://127.0.0.1:1", 200ms};  // not connected to
  bool redisUp_ = true;
  MediaRelay relay_{io_, redis_, settings(), [this] { return redisUp_; }};
};

TEST_F(MediaRelayTest, NodesThatCannotTakeATransportArePassedOver) {
  NodeRecord self = mediaNode("self", {0});
  NodeRecord draining = mediaNode("draining", {0});
  draining.draining = true;
  NodeRecord noWorkers = mediaNode("no-workers", {});
  NodeRecord noIp = mediaNode("no-ip", {0});
  noIp.mediaIp.clear();
  NodeRecord noFingerprint = mediaNode("no-fingerprint", {0});
  noFingerprint.mediaFingerprint.clear();
  const NodeRecord busy = mediaNode("busy", {500, 500});
  relay_.setNodes({self, draining, noWorkers, noIp, noFingerprint, busy});
  for (int i = 0; i < 3; ++i) {
    auto picked = relay_.pickWorker({});
    ASSERT_TRUE(picked);
    EXPECT_EQ(picked->nodeId, "busy") << "pick " << i;
  }
  relay_.setNodes({self, draining, noWorkers, noIp, noFingerprint});
  EXPECT_FALSE(relay_.pickWorker({}));

  // Each is passed over for what it lacks: the same node, fixed, is taken.
  NodeRecord back = draining;
  back.draining = false;
  NodeRecord withIp = noIp;
  withIp.mediaIp = "10.0.0.9";
  NodeRecord withFingerprint = noFingerprint;
  withFingerprint.mediaFingerprint = "AB:CD";
  for (const auto& fixed : {back, withIp, withFingerprint}) {
    relay_.setNodes({fixed, busy});
    auto picked = relay_.pickWorker({});
    ASSERT_TRUE(picked) << fixed.id;
    EXPECT_EQ(picked->nodeId, fixed.id);
  }
}

TEST_F(MediaRelayTest, ANodeWhoseRecordIsNotRenewedForThreeHeartbeatsIsPassedOver) {
  MediaRelay::Settings s = settings();
  s.heartbeat = 100ms;
  MediaRelay relay(io_, redis_, s, nullptr);
  // Its clock an hour behind this node's: what counts is when this node saw it renewed.
  NodeRecord silent = mediaNode("silent", {0});
  silent.heartbeatAtMs -= 3600 * 1000;
  NodeRecord busy = mediaNode("busy", {500});
  relay.setNodes({silent, busy});
  auto picked = relay.pickWorker({});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "silent") << "just seen: live, whatever its clock says";

  std::this_thread::sleep_for(600ms);  // more than 3 heartbeats (and the one between listings)
  busy.heartbeatAtMs += 600;
  relay.setNodes({silent, busy});  // silent's record listed again, not renewed
  picked = relay.pickWorker({});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "busy");
  EXPECT_FALSE(relay.findWorker("silent", 0));
  ASSERT_TRUE(relay.findWorker("busy", 0));

  // Renewed, it is taken again.
  silent.heartbeatAtMs += 600;
  relay.setNodes({silent, busy});
  picked = relay.pickWorker({});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "silent");
}

TEST_F(MediaRelayTest, TheLeastLoadedNodeAndItsLeastLoadedWorkerAreChosen) {
  // Sums: a 11, b 9, c 10. b's single workers are not the least loaded ones of all.
  relay_.setNodes({mediaNode("a", {1, 10}), mediaNode("b", {4, 2, 3}), mediaNode("c", {10})});
  auto picked = relay_.pickWorker({});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "b");
  EXPECT_EQ(picked->worker, 1u);
  EXPECT_EQ(picked->ip, "10.0.0.1");
  EXPECT_EQ(picked->udpPort, 40001);
  EXPECT_EQ(picked->tcpPort, 41001);
  EXPECT_EQ(picked->fingerprint, "AB:CD:b");
}

TEST_F(MediaRelayTest, PlacementsSinceTheLastRecordCountUntilItIsRenewed) {
  const NodeRecord a = mediaNode("a", {0});
  const NodeRecord b = mediaNode("b", {0});
  relay_.setNodes({a, b});
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "a");
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "b") << "a has one its record does not show yet";
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "a");
  // The same records listed again (not renewed): the placements still count.
  relay_.setNodes({a, b});
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "b");
  // Placed so far: a 2, b 2. a's renewed record counts its transports itself (1 of them
  // by now): a 1, b 0 + 2.
  NodeRecord renewed = mediaNode("a", {1});
  renewed.heartbeatAtMs = a.heartbeatAtMs + 1;
  relay_.setNodes({b, renewed});
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "a");
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "b") << "a 2, b 2: the first listed";
}

TEST_F(MediaRelayTest, TheNodeToAvoidIsNeverPicked) {
  // A publisher placed anew after its node went silent must not land there again, however
  // idle that node looks.
  relay_.setNodes({mediaNode("a", {0}), mediaNode("b", {5})});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(relay_.pickWorker({}, "a")->nodeId, "b");
  EXPECT_EQ(relay_.pickWorker({})->nodeId, "a");
  relay_.setNodes({mediaNode("a", {0})});
  EXPECT_FALSE(relay_.pickWorker({}, "a")) << "the only other node is the one to avoid";
}

TEST_F(MediaRelayTest, PlacementsSinceTheLastRecordCountPerWorker) {
  // One node, two idle workers: a burst between two records alternates between them
  // instead of piling on the first.
  relay_.setNodes({mediaNode("a", {0, 0})});
  std::vector<unsigned> workers;
  for (int i = 0; i < 4; ++i) workers.push_back(relay_.pickWorker({})->worker);
  EXPECT_EQ(workers, (std::vector<unsigned>{0, 1, 0, 1}));
  // Worker 1 busier by its record: the placements since count on top of it.
  NodeRecord renewed = mediaNode("a", {0, 2});
  renewed.heartbeatAtMs += 1;
  relay_.setNodes({renewed});
  workers.clear();
  for (int i = 0; i < 3; ++i) workers.push_back(relay_.pickWorker({})->worker);
  EXPECT_EQ(workers, (std::vector<unsigned>{0, 0, 0}))
      << "0+0, 0+1, 0+2 against 2: worker 0 until tied";
}

TEST_F(MediaRelayTest, ANodeThatMirrorsTheStreamGetsItOnTheMirroringWorker) {
  relay_.setNodes({mediaNode("a", {0, 5, 9}), mediaNode("b", {20, 20})});
  auto picked = relay_.pickWorker({{"a", 2}});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "a");
  EXPECT_EQ(picked->worker, 2u) << "the stream already crosses to worker 2";
  EXPECT_EQ(picked->udpPort, 40002);
  // A mirror on a node not chosen, or a worker index the record does not have: the least
  // loaded worker of the chosen node.
  picked = relay_.pickWorker({{"b", 1}});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "a");
  EXPECT_EQ(picked->worker, 0u);
  picked = relay_.pickWorker({{"a", 3}});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->worker, 0u);
}

TEST_F(MediaRelayTest, FindWorkerNamesAWorkerOfALiveNodeOnly) {
  NodeRecord draining = mediaNode("draining", {0});
  draining.draining = true;
  relay_.setNodes({mediaNode("a", {3, 4}), mediaNode("self", {0}), draining});
  auto found = relay_.findWorker("a", 1);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->nodeId, "a");
  EXPECT_EQ(found->worker, 1u);
  EXPECT_EQ(found->udpPort, 40001);
  EXPECT_EQ(found->tcpPort, 41001);
  EXPECT_EQ(found->fingerprint, "AB:CD:a");
  EXPECT_FALSE(relay_.findWorker("a", 2));
  EXPECT_FALSE(relay_.findWorker("nobody", 0));
  EXPECT_FALSE(relay_.findWorker("self", 0));
  EXPECT_FALSE(relay_.findWorker("draining", 0));
  relay_.setNodes({});
  EXPECT_FALSE(relay_.findWorker("a", 1)) << "a left the list";
}

TEST_F(MediaRelayTest, NothingIsPlacedOrSentWhileRedisIsDown) {
  relay_.setNodes({mediaNode("a", {0})});
  redisUp_ = false;
  EXPECT_FALSE(relay_.pickWorker({}));
  const auto down = messages("redis_down");
  const auto errors = messages("redis_error");
  EXPECT_FALSE(relay_.send("a", core::Json::object({{"type", "unmirror"}})));
  EXPECT_EQ(messages("redis_down"), down + 1);
  EXPECT_EQ(messages("redis_error"), errors) << "Redis was not tried";
  redisUp_ = true;
  auto picked = relay_.pickWorker({});
  ASSERT_TRUE(picked);
  EXPECT_EQ(picked->nodeId, "a");
}

// Messages between two nodes' relays, meeting in the test Redis.
class MediaRelayMessagesTest : public ::testing::Test {
 protected:
  MediaRelay::Settings settings(const std::string& node) {
    MediaRelay::Settings s;
    s.nodeId = node;
    s.redisUrl = RedisTestServer::instance().url();
    s.prefix = prefix_;
    return s;
  }
  // Runs the control thread until `done` (or 5 s pass).
  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(10ms);
    }
    return done();
  }

  boost::asio::io_context io_;
  std::string prefix_ = RedisTestServer::uniqueName("media") + ":";
  RedisConnection redisA_{RedisTestServer::instance().url(), 1000ms};
  RedisConnection redisB_{RedisTestServer::instance().url(), 1000ms};
};

TEST_F(MediaRelayMessagesTest, AMessageReachesTheNamedNodeWithItsSender) {
  MediaRelay a(io_, redisA_, settings("a"), nullptr);
  MediaRelay b(io_, redisB_, settings("b"), nullptr);
  std::vector<std::pair<std::string, core::Json>> atB;
  b.setDeliver([&](const std::string& from, const core::Json& m) { atB.emplace_back(from, m); });
  b.start();
  EXPECT_EQ(b.channel("b"), prefix_ + "media:b");
  const core::Json first = core::Json::object({{"type", "unmirror"}, {"session", "s"}});
  // Sent once b listens (PUBLISH reaches a subscriber).
  bool sent = false;
  for (int i = 0; i < 200 && !(sent = a.send("b", first)); ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(sent);
  ASSERT_TRUE(runUntil([&] { return !atB.empty(); }));
  EXPECT_EQ(atB[0].first, "a");
  EXPECT_EQ(atB[0].second, first);

  // Nobody listens on c's channel.
  EXPECT_FALSE(a.send("c", first));

  // What is not an envelope from another node is dropped; the valid one after it arrives
  // alone, in order.
  const std::string channel = b.channel("b");
  for (const std::string& bad :
       {std::string("not json"), std::string(R"({"from":"a"})"),
        std::string(R"({"from":"a","message":[1]})"), std::string(R"({"from":"","message":{}})"),
        std::string(R"({"from":"b","message":{"type":"mirror"}})"),
        std::string(R"({"from":"a/b","message":{"type":"mirror"}})"),
        std::string(R"({"from":7,"message":{}})")})
    redisA_.command({"PUBLISH", channel, bad});
  const core::Json second = core::Json::object({{"type", "subscribe"}});
  ASSERT_TRUE(a.send("b", second));
  ASSERT_TRUE(runUntil([&] { return atB.size() >= 2; }));
  io_.restart();
  io_.run_for(50ms);
  ASSERT_EQ(atB.size(), 2u);
  EXPECT_EQ(atB[1].first, "a");
  EXPECT_EQ(atB[1].second, second);
  b.stop();
  a.stop();
}

TEST(NodeRecordMediaTest, MediaFieldsComeBackFromJson) {
  NodeRecord r = mediaNode("node-1", {0, 7, 123456789012LL});
  r.mediaWorkers[1].tcpPort = 0;  // no ICE-TCP
  r.mediaWorkers[2].udpPort = 65535;
  r.rtcIp = "192.0.2.1";
  r.connections = 4;
  auto back = NodeRecord::fromJson(r.toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, "node-1");
  EXPECT_EQ(back->connections, 4);
  EXPECT_EQ(back->heartbeatAtMs, r.heartbeatAtMs);
  EXPECT_EQ(back->mediaIp, r.mediaIp);
  EXPECT_EQ(back->mediaFingerprint, "AB:CD:node-1");
  ASSERT_EQ(back->mediaWorkers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->mediaWorkers[i].udpPort, r.mediaWorkers[i].udpPort) << i;
    EXPECT_EQ(back->mediaWorkers[i].tcpPort, r.mediaWorkers[i].tcpPort) << i;
    EXPECT_EQ(back->mediaWorkers[i].transports, r.mediaWorkers[i].transports) << i;
  }
  // A record of a node without media (or from before cascading) has none.
  auto plain = NodeRecord::fromJson(R"({"id":"old","publicUrl":"http://old:5080"})");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->mediaWorkers.empty());
  EXPECT_TRUE(plain->mediaIp.empty());
  EXPECT_TRUE(plain->mediaFingerprint.empty());
}

TEST(NodeRecordMediaTest, AMalformedMediaWorkerMakesTheRecordUnreadable) {
  auto record = [](const std::string& workers) {
    return NodeRecord::fromJson(R"({"id":"n","publicUrl":"http://n:5080","mediaIp":"10.0.0.1",)"
                                R"("mediaFingerprint":"AB","mediaWorkers":)" +
                                workers + "}");
  };
  ASSERT_TRUE(record(R"([{"udpPort":40000,"tcpPort":40000,"transports":3}])"));
  EXPECT_FALSE(record(R"([{"udpPort":0,"tcpPort":40000,"transports":3}])"));
  EXPECT_FALSE(record(R"([{"tcpPort":40000,"transports":3}])")) << "no udpPort";
  EXPECT_FALSE(record(R"([{"udpPort":"40000","tcpPort":40000}])"));
  EXPECT_FALSE(record(R"([{"udpPort":65536,"tcpPort":0}])"));
  EXPECT_FALSE(record(R"([{"udpPort":40000,"tcpPort":-1}])"));
  EXPECT_FALSE(record(R"([{"udpPort":40000,"tcpPort":65536}])"));
  // Checked before narrowing: 2^32 + 1 is not port 1, 2^32 not port 0.
  EXPECT_FALSE(record(R"([{"udpPort":4294967297,"tcpPort":0}])"));
  EXPECT_FALSE(record(R"([{"udpPort":40000,"tcpPort":4294967296}])"));
  EXPECT_FALSE(record(R"([{"udpPort":40000,"transports":-1}])")) << "no negative load";
  EXPECT_FALSE(record(R"([{"udpPort":40000},7])")) << "an entry not an object";
  // The second, malformed, entry spoils the first.
  EXPECT_FALSE(record(R"([{"udpPort":40000},{"udpPort":0}])"));

  auto many = [](size_t n) {
    std::string list = "[";
    for (size_t i = 0; i < n; ++i) list += std::string(i ? "," : "") + R"({"udpPort":1})";
    return list + "]";
  };
  auto most = record(many(NodeRecord::kMaxMediaWorkers));
  ASSERT_TRUE(most);
  EXPECT_EQ(most->mediaWorkers.size(), NodeRecord::kMaxMediaWorkers);
  EXPECT_FALSE(record(many(NodeRecord::kMaxMediaWorkers + 1)));
}

}  // namespace
}  // namespace parley::cluster
