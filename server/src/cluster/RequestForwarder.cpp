#include "cluster/RequestForwarder.h"

#include <boost/asio/post.hpp>

#include "cluster/ClusterMessage.h"
#include "cluster/RedisConnection.h"
#include "cluster/RedisError.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"

namespace parley::cluster {

namespace {

obs::Metrics::Counter& forwardedCounter(const char* outcome) {
  return obs::Metrics::instance().counter("parley_cluster_forwarded_requests_total",
                                          "REST requests sent to the node that owns their session",
                                          std::string("outcome=\"") + outcome + "\"");
}

}  // namespace

RequestForwarder::RequestForwarder(boost::asio::io_context& io, RedisConnection& redis,
                                   Settings settings, LocalHandler local)
    : io_(io),
      redis_(redis),
      settings_(std::move(settings)),
      local_(std::move(local)),
      subscriber_(
          settings_.redisUrl, {requestChannel(settings_.nodeId), replyChannel(settings_.nodeId)},
          [this, alive = alive_](const std::string& channel, std::string payload) {
            // Subscriber thread: hand over to the control thread.
            boost::asio::post(io_, [this, alive, channel, p = std::move(payload)]() mutable {
              if (*alive) onMessage(channel, std::move(p));
            });
          }) {}

RequestForwarder::~RequestForwarder() {
  stop();
}

void RequestForwarder::start() {
  subscriber_.start();
}

void RequestForwarder::stop() {
  subscriber_.stop();
  *alive_ = false;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) {
    p.deadline->cancel();
    p.response->complete(http::HttpResponse::error(503, "Service unavailable", "node stopping"));
  }
}

http::HttpResponse RequestForwarder::forward(const http::HttpRequest& request,
                                             const std::string& nodeId) {
  if (pending_.size() >= settings_.maxPending) {
    forwardedCounter("overloaded").add();
    return http::HttpResponse::error(503, "Service unavailable",
                                     "too many requests waiting for other nodes");
  }
  const std::uint64_t id = nextId_++;
  const std::string message = ClusterMessage::encodeRequest(id, settings_.nodeId, request);
  long long receivers = 0;
  try {
    receivers = redis_.command({"PUBLISH", requestChannel(nodeId), message}).integer;
  } catch (const RedisError& e) {
    forwardedCounter("redis_error").add();
    obs::Logger::warn("cannot forward a request", {{"node", nodeId}, {"error", e.what()}});
    return http::HttpResponse::error(503, "Service unavailable", "the cluster is unreachable");
  }
  if (receivers == 0) {
    forwardedCounter("not_listening").add();
    return http::HttpResponse::error(502, "Bad gateway",
                                     "the node that holds this session does not answer");
  }
  Pending pending;
  pending.response = std::make_shared<http::DeferredResponse>();
  pending.deadline = std::make_unique<boost::asio::steady_timer>(io_, settings_.timeout);
  pending.deadline->async_wait([this, alive = alive_, id](boost::system::error_code ec) {
    if (ec || !*alive) return;
    forwardedCounter("timeout").add();
    finish(id, http::HttpResponse::error(504, "Gateway timeout",
                                         "the node that holds this session did not answer"));
  });
  http::HttpResponse placeholder;
  placeholder.deferred = pending.response;
  pending_.emplace(id, std::move(pending));
  return placeholder;
}

void RequestForwarder::onMessage(const std::string& channel, std::string payload) {
  if (payload.size() > settings_.maxMessageBytes) {
    obs::Logger::warn("cluster message too large", {{"channel", channel}});
    return;
  }
  if (channel == requestChannel(settings_.nodeId)) {
    answerRequest(payload);
  } else {
    takeReply(payload);
  }
}

void RequestForwarder::answerRequest(const std::string& payload) {
  auto message = ClusterMessage::decodeRequest(payload);
  if (!message) {
    obs::Logger::warn("malformed forwarded request ignored", {});
    return;
  }
  auto reply = [this, replyTo = message->from, id = message->id](const http::HttpResponse& r) {
    try {
      redis_.command({"PUBLISH", replyChannel(replyTo), ClusterMessage::encodeReply(id, r)});
    } catch (const RedisError& e) {
      obs::Logger::warn("cannot answer a forwarded request",
                        {{"node", replyTo}, {"error", e.what()}});
    }
  };
  http::HttpResponse response = local_(message->request);
  if (response.deferred) {
    response.deferred->onReady([reply](http::HttpResponse later) { reply(later); });
  } else {
    reply(response);
  }
}

void RequestForwarder::takeReply(const std::string& payload) {
  auto message = ClusterMessage::decodeReply(payload);
  if (!message) return;
  forwardedCounter("answered").add();
  finish(message->id, std::move(message->response));
}

void RequestForwarder::finish(std::uint64_t id, http::HttpResponse response) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;  // answered already, or timed out
  Pending pending = std::move(it->second);
  pending_.erase(it);
  pending.deadline->cancel();
  pending.response->complete(std::move(response));
}

}  // namespace parley::cluster
