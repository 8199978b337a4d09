#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "../ScriptOutput.h"

namespace parley::cluster::test {

// The Redis the cluster tests use. ctest starts one for the whole run (scripts/test-redis)
// in $PARLEY_TEST_SERVICES/redis; a test binary run by hand without that variable starts
// its own for the process and stops it at exit. Tests keep apart by key prefixes and
// node ids of their own (uniqueName()).
class RedisTestServer {
 public:
  static RedisTestServer& instance() {
    static RedisTestServer server;
    return server;
  }
  const std::string& url() const { return url_; }

  // A name no other test (or process) uses.
  static std::string uniqueName(const std::string& base) {
    static int counter = 0;
    return base + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  }

 private:
  RedisTestServer() {
    if (const char* services = std::getenv("PARLEY_TEST_SERVICES"); services && *services) {
      url_ = std::string("unix://") + services + "/redis/redis.sock";
      return;
    }
    dir_ = std::string(::testing::TempDir()) + "parley-redis-" + std::to_string(::getpid());
    url_ = parley::test::firstLineOf(script() + " start " + dir_);
    if (url_.empty()) throw std::runtime_error("scripts/test-redis start failed");
    owns_ = true;
  }
  ~RedisTestServer() {
    if (owns_) parley::test::firstLineOf(script() + " stop " + dir_);
  }
  static std::string script() { return std::string(PARLEY_SOURCE_DIR) + "/scripts/test-redis"; }

  std::string url_;
  std::string dir_;
  bool owns_ = false;
};

}  // namespace parley::cluster::test
