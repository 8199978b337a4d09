#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "../ScriptOutput.h"

#include "store/PgConnection.h"

namespace parley::store::test {

// The PostgreSQL the store tests run against. ctest starts one for the whole run
// (scripts/test-postgres, see server/CMakeLists.txt) in $PARLEY_TEST_SERVICES/postgres;
// a test binary run by hand without that variable starts its own for the process and
// stops it at exit. Each test gets a database of its own.
class PostgresTestServer {
 public:
  static PostgresTestServer& instance() {
    static PostgresTestServer server;
    return server;
  }

  // A new empty database; returns its URL.
  std::string createDatabase(std::string* name) {
    static std::atomic<int> counter{0};
    *name = "parley_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    PgConnection admin(adminUrl_);
    admin.execScript(("CREATE DATABASE " + *name).c_str());
    return withDatabase(*name);
  }

  void dropDatabase(const std::string& name) {
    PgConnection admin(adminUrl_);
    admin.execScript(("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").c_str());
  }

  const std::string& adminUrl() const { return adminUrl_; }

 private:
  PostgresTestServer() {
    if (const char* services = std::getenv("PARLEY_TEST_SERVICES"); services && *services) {
      adminUrl_ = std::string("postgresql:///postgres?host=") + services +
                  "/postgres/run&port=5432&user=parley";
      return;
    }
    dir_ = std::string(::testing::TempDir()) + "parley-pg-" + std::to_string(::getpid());
    adminUrl_ = parley::test::firstLineOf(script() + " start " + dir_);
    if (adminUrl_.empty()) throw std::runtime_error("scripts/test-postgres start failed");
    ownsServer_ = true;
  }
  ~PostgresTestServer() {
    if (ownsServer_) parley::test::firstLineOf(script() + " stop " + dir_);
  }

  static std::string script() { return std::string(PARLEY_SOURCE_DIR) + "/scripts/test-postgres"; }

  // adminUrl_ is "postgresql:///postgres?…": the same server with another database.
  std::string withDatabase(const std::string& name) const {
    const std::string prefix = "postgresql:///postgres";
    if (adminUrl_.rfind(prefix, 0) != 0) {
      throw std::runtime_error("unexpected test PostgreSQL URL " + adminUrl_);
    }
    return "postgresql:///" + name + adminUrl_.substr(prefix.size());
  }

  std::string adminUrl_;
  std::string dir_;
  bool ownsServer_ = false;
};

}  // namespace parley::store::test
