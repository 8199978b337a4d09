#include "cluster/RedisConnection.h"

#include <gtest/gtest.h>

#include "RedisTestServer.h"
#include "cluster/RedisError.h"

namespace parley::cluster {
namespace {

using test::RedisTestServer;

TEST(RedisConnectionTest, CommandsAndPipelinesAgainstARealRedis) {
  RedisConnection redis(RedisTestServer::instance().url(), std::chrono::milliseconds(1000));
  const std::string key = RedisTestServer::uniqueName("k");
  EXPECT_EQ(redis.command({"SET", key, std::string("a\0b", 3)}).string, "OK");
  EXPECT_EQ(redis.command({"GET", key}).string, std::string("a\0b", 3)) << "binary safe";
  EXPECT_TRUE(redis.command({"GET", key + "-missing"}).isNil());
  auto replies =
      redis.pipeline({{"INCR", key + "-n"}, {"INCR", key + "-n"}, {"DEL", key, key + "-n"}});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[1].integer, 2);
  EXPECT_EQ(replies[2].integer, 2);
  EXPECT_THROW(redis.command({"NOSUCHCOMMAND"}), RedisError);
  // The connection is still usable after an error reply.
  EXPECT_EQ(redis.command({"PING"}).string, "PONG");
}

TEST(RedisConnectionTest, ReconnectsAfterTheServerDropsIt) {
  RedisConnection redis(RedisTestServer::instance().url(), std::chrono::milliseconds(1000));
  const std::string name = RedisTestServer::uniqueName("victim");
  redis.command({"CLIENT", "SETNAME", name});
  RedisConnection killer(RedisTestServer::instance().url(), std::chrono::milliseconds(1000));
  // TYPE normal … with our name: only this test's connection goes.
  auto list = killer.command({"CLIENT", "LIST"}).string;
  const auto at = list.find("name=" + name);
  ASSERT_NE(at, std::string::npos);
  const auto idAt = list.rfind("id=", at);
  const std::string id = list.substr(idAt + 3, list.find(' ', idAt) - idAt - 3);
  EXPECT_EQ(killer.command({"CLIENT", "KILL", "ID", id}).integer, 1);
  int failures = 0;
  bool answered = false;
  for (int i = 0; i < 2 && !answered; ++i) {
    try {
      answered = redis.command({"PING"}).string == "PONG";
    } catch (const RedisError&) {
      ++failures;
    }
  }
  EXPECT_TRUE(answered);
  EXPECT_LE(failures, 1);
}

TEST(RedisConnectionTest, UrlsAndUnreachableServers) {
  EXPECT_EQ(RedisConnection::validateUrl("redis://127.0.0.1:6379"), "");
  EXPECT_EQ(RedisConnection::validateUrl("redis://cache.internal"), "");
  EXPECT_EQ(RedisConnection::validateUrl("unix:///run/redis.sock"), "");
  EXPECT_NE(RedisConnection::validateUrl("http://x"), "");
  EXPECT_NE(RedisConnection::validateUrl("redis://x:0"), "");
  EXPECT_NE(RedisConnection::validateUrl("redis://x:99999"), "");
  EXPECT_NE(RedisConnection::validateUrl("redis://user:pw@x:1"), "");
  EXPECT_NE(RedisConnection::validateUrl("unix://relative.sock"), "");
  EXPECT_THROW(RedisConnection("nope", std::chrono::milliseconds(100)), RedisError);
  // Port 1 on loopback: nothing listens; the error says where it tried.
  RedisConnection nowhere("redis://127.0.0.1:1", std::chrono::milliseconds(300));
  try {
    nowhere.command({"PING"});
    ADD_FAILURE() << "expected RedisError";
  } catch (const RedisError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace parley::cluster
