#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "cluster/RedisSubscriber.h"
#include "http/HttpRequest.h"
#include "http/HttpResponse.h"

namespace parley::cluster {

class RedisConnection;

// REST requests that belong to a session another node owns travel there over Redis and
// come back as that node's answer. Each node listens on parley:rpc:<id> for requests and
// parley:reply:<id> for answers. The owner runs a forwarded request through its own HTTP
// handler, authentication included, so a node trusts another only to carry requests,
// never to vouch for them. Lives on the control thread; the subscriber thread only posts.
class RequestForwarder {
 public:
  struct Settings {
    std::string nodeId;
    std::string redisUrl;
    std::chrono::milliseconds timeout{5000};  // the answer's deadline: 504 after it
    std::size_t maxPending = 1000;            // requests awaiting an answer: 503 beyond
    std::size_t maxMessageBytes = 2 * 1024 * 1024;
    std::string prefix = "parley:";  // of the channels
  };
  using LocalHandler = std::function<http::HttpResponse(http::HttpRequest&)>;

  // `redis` is the control thread's command connection (PUBLISH).
  RequestForwarder(boost::asio::io_context& io, RedisConnection& redis, Settings settings,
                   LocalHandler local);
  ~RequestForwarder();
  RequestForwarder(const RequestForwarder&) = delete;
  RequestForwarder& operator=(const RequestForwarder&) = delete;

  void start();
  void stop();
  bool listening() const { return subscriber_.subscribed(); }

  // A deferred response completed by `nodeId`'s answer, or by 502/503/504.
  http::HttpResponse forward(const http::HttpRequest& request, const std::string& nodeId);

  std::string requestChannel(const std::string& nodeId) const {
    return settings_.prefix + "rpc:" + nodeId;
  }
  std::string replyChannel(const std::string& nodeId) const {
    return settings_.prefix + "reply:" + nodeId;
  }

 private:
  struct Pending {
    std::shared_ptr<http::DeferredResponse> response;
    std::unique_ptr<boost::asio::steady_timer> deadline;
  };
  void onMessage(const std::string& channel, std::string payload);
  void answerRequest(const std::string& payload);
  void takeReply(const std::string& payload);
  void finish(std::uint64_t id, http::HttpResponse response);

  boost::asio::io_context& io_;
  RedisConnection& redis_;
  Settings settings_;
  LocalHandler local_;
  // Outlives posted work after stop(): work that finds it false does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  RedisSubscriber subscriber_;
  std::uint64_t nextId_ = 1;
  std::unordered_map<std::uint64_t, Pending> pending_;
};

}  // namespace parley::cluster
