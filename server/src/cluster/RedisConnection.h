#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/RedisReply.h"

struct redisContext;

namespace parley::cluster {

// One connection to Redis through hiredis (cluster/ is the only place that uses hiredis).
// `url` is redis://HOST:PORT (default port 6379) or unix:///path/to/socket. Every call
// is bounded by `timeout`; a connection that failed is re-established by the next call.
// Not thread-safe: one owner thread per instance.
class RedisConnection {
 public:
  RedisConnection(std::string url, std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command (arguments sent as binary-safe strings). Throws RedisError on a
  // connection failure, a timeout or an error reply.
  RedisReply command(const std::vector<std::string>& args);
  // The same for several commands in one round trip; replies in order. An error reply
  // among them throws after all were read.
  std::vector<RedisReply> pipeline(const std::vector<std::vector<std::string>>& commands);

  // The file descriptor (for poll) and raw reading, used by RedisSubscriber.
  int fd() const;
  // Reads what the socket holds without blocking; false when the connection broke.
  bool readAvailable();
  // The next complete reply already read, if any.
  bool nextReply(RedisReply& reply);
  // Sends a command without waiting for its reply.
  void send(const std::vector<std::string>& args);
  void ensureConnected();
  bool connected() const { return context_ != nullptr; }
  void disconnect() noexcept;

  // Parses a --redis URL; empty string when valid, else what is wrong.
  static std::string validateUrl(std::string_view url);

 private:
  [[noreturn]] void fail(std::string_view what);

  std::string url_;
  std::chrono::milliseconds timeout_;
  redisContext* context_ = nullptr;
};

}  // namespace parley::cluster
