#include "cluster/RequestForwarder.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <thread>

#include "RedisTestServer.h"
#include "cluster/RedisConnection.h"

namespace parley::cluster {
namespace {

using test::RedisTestServer;
using namespace std::chrono_literals;

// Two nodes' forwarders on one io_context (one control thread), meeting in the test Redis.
class RequestForwarderTest : public ::testing::Test {
 protected:
  RequestForwarder::Settings settings(const std::string& node) {
    RequestForwarder::Settings s;
    s.nodeId = node;
    s.redisUrl = RedisTestServer::instance().url();
    s.timeout = 500ms;
    s.prefix = prefix_;
    return s;
  }

  void waitListening(RequestForwarder& f) {
    for (int i = 0; i < 200 && !f.listening(); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_TRUE(f.listening());
  }

  // Runs the control thread until `response` is complete (or 5 s pass).
  http::HttpResponse await(const http::HttpResponse& placeholder) {
    if (!placeholder.deferred) return placeholder;
    http::HttpResponse out;
    bool done = false;
    placeholder.deferred->onReady([&](http::HttpResponse r) {
      out = std::move(r);
      done = true;
    });
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(20ms);
    }
    EXPECT_TRUE(done) << "no answer";
    return out;
  }

  boost::asio::io_context io_;
  std::string prefix_ = RedisTestServer::uniqueName("fwd") + ":";
  RedisConnection redisA_{RedisTestServer::instance().url(), 1000ms};
  RedisConnection redisB_{RedisTestServer::instance().url(), 1000ms};
};

TEST_F(RequestForwarderTest, TheOwnerAnswersAForwardedRequestAsItsOwn) {
  std::vector<http::HttpRequest> seenByB;
  RequestForwarder a(io_, redisA_, settings("a"), [](http::HttpRequest&) {
    return http::HttpResponse::error(500, "a must not answer");
  });
  RequestForwarder b(io_, redisB_, settings("b"), [&](http::HttpRequest& r) {
    seenByB.push_back(r);
    http::HttpResponse answer = http::HttpResponse::text(201, "from b: " + r.body);
    answer.setHeader("X-Node", "b");
    return answer;
  });
  a.start();
  b.start();
  waitListening(a);
  waitListening(b);

  http::HttpRequest request;
  request.method = "POST";
  request.target = "/v2/project/1/session/s/signal?x=1";
  request.headers = {{"X-OPENTOK-AUTH", "jwt"}, {"Content-Type", "application/json"}};
  request.body = R"({"type":"chat","data":"héllo \"q\""})";
  request.remoteAddress = "203.0.113.9";
  auto response = await(a.forward(request, "b"));
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, "from b: " + request.body);
  EXPECT_TRUE(response.hasHeader("X-Node"));
  ASSERT_EQ(seenByB.size(), 1u);
  EXPECT_TRUE(seenByB[0].forwarded);
  EXPECT_EQ(seenByB[0].method, "POST");
  EXPECT_EQ(seenByB[0].target, request.target);
  EXPECT_EQ(seenByB[0].header("X-OPENTOK-AUTH").value_or(""), "jwt");
  EXPECT_EQ(seenByB[0].remoteAddress, "203.0.113.9");
}

TEST_F(RequestForwarderTest, NoListenerIs502AndNoAnswerIs504) {
  RequestForwarder a(io_, redisA_, settings("a"),
                     [](http::HttpRequest&) { return http::HttpResponse::empty(204); });
  // b takes requests and never answers them.
  std::vector<std::shared_ptr<http::DeferredResponse>> held;
  RequestForwarder b(io_, redisB_, settings("b"), [&](http::HttpRequest&) {
    http::HttpResponse later;
    later.deferred = std::make_shared<http::DeferredResponse>();
    held.push_back(later.deferred);
    return later;
  });
  a.start();
  b.start();
  waitListening(a);
  waitListening(b);
  http::HttpRequest request;
  request.method = "GET";
  request.target = "/v2/project/1/session/s/stream";
  EXPECT_EQ(await(a.forward(request, "nobody")).status, 502);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(await(a.forward(request, "b")).status, 504);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 400ms);
  EXPECT_EQ(held.size(), 1u);
  // A request still waiting when the node stops is answered 503.
  auto pending = a.forward(request, "b");
  a.stop();
  EXPECT_EQ(await(pending).status, 503);
}

}  // namespace
}  // namespace parley::cluster
