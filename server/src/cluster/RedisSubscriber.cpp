#include "cluster/RedisSubscriber.h"

#include <poll.h>

#include "cluster/RedisConnection.h"
#include "cluster/RedisError.h"
#include "core/ThreadName.h"
#include "obs/Logger.h"

namespace parley::cluster {

namespace {
constexpr std::chrono::milliseconds kIoTimeout{1000};
constexpr int kPollMs = 100;  // how soon stop() is noticed
constexpr std::chrono::milliseconds kRetryPause{500};
}  // namespace

RedisSubscriber::RedisSubscriber(std::string url, std::vector<std::string> channels,
                                 OnMessage onMessage)
    : url_(std::move(url)), channels_(std::move(channels)), onMessage_(std::move(onMessage)) {}

RedisSubscriber::~RedisSubscriber() {
  stop();
}

void RedisSubscriber::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    core::nameThisThread("redis-news");
    run();
  });
}

void RedisSubscriber::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void RedisSubscriber::run() {
  RedisConnection connection(url_, kIoTimeout);
  bool loggedDown = false;
  while (!stopping_) {
    if (!connection.connected()) {
      subscribed_ = false;
      try {
        std::vector<std::string> args{"SUBSCRIBE"};
        args.insert(args.end(), channels_.begin(), channels_.end());
        connection.send(args);
        if (loggedDown) obs::Logger::info("redis subscription restored", {{"url", url_}});
        loggedDown = false;
      } catch (const RedisError& e) {
        if (!loggedDown) obs::Logger::warn("redis subscription down", {{"error", e.what()}});
        loggedDown = true;
        connection.disconnect();
        for (auto waited = std::chrono::milliseconds(0); waited < kRetryPause && !stopping_;
             waited += std::chrono::milliseconds(kPollMs))
          std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
        continue;
      }
    }
    pollfd p{connection.fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, kPollMs);
    if (ready <= 0) continue;
    if (!connection.readAvailable()) continue;  // broke: reconnect on the next turn
    RedisReply reply;
    while (connection.nextReply(reply)) {
      // ["message", channel, payload] or ["subscribe", channel, count].
      if (reply.type != RedisReply::Type::Array || reply.elements.size() != 3) continue;
      const std::string& kind = reply.elements[0].string;
      if (kind == "subscribe") {
        if (reply.elements[2].integer == static_cast<std::int64_t>(channels_.size()))
          subscribed_.store(true, std::memory_order_release);
      } else if (kind == "message") {
        onMessage_(reply.elements[1].string, std::move(reply.elements[2].string));
      }
    }
  }
  subscribed_ = false;
}

}  // namespace parley::cluster
