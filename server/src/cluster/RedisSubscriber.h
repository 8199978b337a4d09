#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace parley::cluster {

// A thread holding a Redis connection SUBSCRIBEd to fixed channels, handing each message
// to `onMessage` on that thread (the callback posts to wherever the work belongs). A
// connection that breaks is re-made and re-subscribed after a short pause; what was
// published meanwhile is lost, which callers bound with their own timeouts.
class RedisSubscriber {
 public:
  using OnMessage = std::function<void(const std::string& channel, std::string payload)>;

  RedisSubscriber(std::string url, std::vector<std::string> channels, OnMessage onMessage);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  void start();
  void stop();
  // True once the subscription is confirmed (and until the connection breaks).
  bool subscribed() const { return subscribed_.load(std::memory_order_acquire); }

 private:
  void run();

  std::string url_;
  std::vector<std::string> channels_;
  OnMessage onMessage_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> subscribed_{false};
  std::thread thread_;
};

}  // namespace parley::cluster
