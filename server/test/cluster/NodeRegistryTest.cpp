#include "cluster/NodeRegistry.h"

#include <gtest/gtest.h>

#include <thread>

#include "RedisTestServer.h"
#include "cluster/RedisConnection.h"
#include "cluster/SessionDirectory.h"

namespace parley::cluster {
namespace {

using test::RedisTestServer;
using namespace std::chrono_literals;

NodeRecord node(std::string id, std::int64_t connections, std::int64_t sessions = 0) {
  NodeRecord r;
  r.id = std::move(id);
  r.publicUrl = "http://" + r.id + ".example:5080";
  r.connections = connections;
  r.sessions = sessions;
  return r;
}

class ClusterRedisTest : public ::testing::Test {
 protected:
  RedisConnection redis_{RedisTestServer::instance().url(), 1000ms};
  std::string prefix_ = RedisTestServer::uniqueName("t") + ":";
};

TEST_F(ClusterRedisTest, NodesAppearWithTheirRecordsAndGoWhenTheirTtlRunsOut) {
  NodeRegistry shortLived(redis_, 300ms, prefix_, 600ms);
  NodeRegistry longLived(redis_, 60s, prefix_);
  longLived.publish(node("b", 3));
  shortLived.publish(node("a", 1));
  auto nodes = longLived.list();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].id, "a");
  EXPECT_EQ(nodes[0].publicUrl, "http://a.example:5080");
  EXPECT_EQ(nodes[1].connections, 3);
  std::this_thread::sleep_for(400ms);
  nodes = longLived.list();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].id, "b");
  // Not seen for its longer TTL yet: not swept.
  EXPECT_TRUE(longLived.sweep().empty());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(longLived.sweep(), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(shortLived.sweep().empty()) << "swept once, by one node";
  EXPECT_EQ(redis_.command({"SCARD", prefix_ + "nodes"}).integer, 1);
  longLived.remove("b");
  EXPECT_TRUE(longLived.list().empty());
  EXPECT_FALSE(longLived.find("b"));
}

TEST_F(ClusterRedisTest, ADrainRequestWaitsForItsNodeAndGoesWithIt) {
  NodeRegistry registry(redis_, 60s, prefix_);
  registry.publish(node("a", 0));
  EXPECT_FALSE(registry.drainRequested("a"));
  registry.requestDrain("a");
  EXPECT_TRUE(registry.drainRequested("a"));
  EXPECT_FALSE(registry.drainRequested("b"));
  registry.remove("a");  // the drained node stops: its request goes with it
  EXPECT_FALSE(registry.drainRequested("a"));
}

TEST_F(ClusterRedisTest, ARecordThatIsNotANodeIsIgnored) {
  NodeRegistry registry(redis_, 60s, prefix_);
  registry.publish(node("a", 0));
  redis_.command({"SET", prefix_ + "node:x", "not json"});
  redis_.command({"SADD", prefix_ + "nodes", "x"});
  auto nodes = registry.list();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].id, "a");
}

TEST_F(ClusterRedisTest, ASessionIsPlacedOnTheLeastLoadedNodeAndStaysThere) {
  NodeRegistry registry(redis_, 60s, prefix_);
  SessionDirectory sessions(redis_, registry, 60s, prefix_);
  EXPECT_FALSE(sessions.ownerOf("s1")) << "no live node";
  registry.publish(node("busy", 50));
  registry.publish(node("idle", 2));
  NodeRecord draining = node("drained", 0);
  draining.draining = true;
  registry.publish(draining);
  EXPECT_FALSE(sessions.currentOwner("s1")) << "a look never places";
  ASSERT_EQ(sessions.ownerOf("s1")->id, "idle");
  // Load changes later do not move it.
  registry.publish(node("idle", 500));
  EXPECT_EQ(sessions.ownerOf("s1")->id, "idle");
  EXPECT_EQ(sessions.currentOwner("s1")->id, "idle");
  EXPECT_EQ(sessions.ownerOf("s2")->id, "busy");
  // Its owner gone, the next ask places it again.
  registry.remove("idle");
  EXPECT_FALSE(sessions.currentOwner("s1"));
  EXPECT_EQ(sessions.ownerOf("s1")->id, "busy");
  // Release by a node that does not own it changes nothing; by the owner, it frees it.
  sessions.release("idle", "s1");
  EXPECT_EQ(sessions.currentOwner("s1")->id, "busy");
  sessions.release("busy", "s1");
  EXPECT_TRUE(redis_.command({"GET", prefix_ + "session:s1"}).isNil());
}

TEST_F(ClusterRedisTest, NodesPlacingTogetherAgreeOnOneOwner) {
  std::vector<std::string> chosen(8);
  std::vector<std::thread> askers;
  for (int i = 0; i < 8; ++i) {
    askers.emplace_back([&, i] {
      RedisConnection own(RedisTestServer::instance().url(), 1000ms);
      NodeRegistry view(own, 60s, prefix_);
      // Each asker first announces itself as the least loaded node, so each would pick
      // itself: only the compare-and-set makes them agree.
      view.publish(node("n" + std::to_string(i), 100 - i));
      SessionDirectory directory(own, view, 60s, prefix_);
      chosen[static_cast<std::size_t>(i)] = directory.ownerOf("contested")->id;
    });
  }
  for (auto& t : askers) t.join();
  for (const auto& c : chosen) EXPECT_EQ(c, chosen[0]);
  EXPECT_EQ(redis_.command({"GET", prefix_ + "session:contested"}).string, chosen[0]);
}

TEST_F(ClusterRedisTest, TheOwnerKeepsItsLiveSessionsAndTakesUnplacedOnes) {
  NodeRegistry registry(redis_, 60s, prefix_);
  // A TTL far above a refresh period, so a machine that stalls a while does not fail this.
  SessionDirectory sessions(redis_, registry, 2000ms, prefix_);
  registry.publish(node("a", 0));
  registry.publish(node("b", 9));
  ASSERT_EQ(sessions.ownerOf("kept")->id, "a");
  // b holds clients of "kept" (connected straight to it) and of an unplaced session: it
  // takes the unplaced one and leaves a's alone.
  sessions.refresh("b", {"kept", "unplaced"});
  EXPECT_EQ(sessions.currentOwner("kept")->id, "a");
  EXPECT_EQ(sessions.currentOwner("unplaced")->id, "b");
  // Refreshed, a key outlives its TTL; not refreshed, it goes.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(500ms);
    sessions.refresh("a", {"kept"});
  }
  EXPECT_EQ(sessions.currentOwner("kept")->id, "a");
  EXPECT_FALSE(sessions.currentOwner("unplaced"));
}

TEST_F(ClusterRedisTest, ARefreshOfManySessionsKeepsEveryOne) {
  NodeRegistry registry(redis_, 60s, prefix_);
  SessionDirectory sessions(redis_, registry, 60s, prefix_);
  registry.publish(node("a", 0));
  registry.publish(node("b", 0));
  // More than one script call's worth of keys, one of them another node's.
  std::vector<std::string> ids;
  for (int i = 0; i < 1203; ++i) ids.push_back("s" + std::to_string(i));
  redis_.command({"SET", sessions.key("s700"), "b"});
  sessions.refresh("a", ids);
  for (const auto& id : ids)
    EXPECT_EQ(redis_.command({"GET", sessions.key(id)}).string, id == "s700" ? "b" : "a") << id;
  EXPECT_GT(redis_.command({"PTTL", sessions.key("s1202")}).integer, 0);
}

}  // namespace
}  // namespace parley::cluster
