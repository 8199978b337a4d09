#include "store/Migrations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "RawSqlite.h"
#include "TempDirectory.h"
#include "store/SqliteStore.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

using test::RawSqlite;
using test::TempDirectory;

const Migration kFirst{1, "first", "CREATE TABLE a (x INTEGER NOT NULL);"};
const Migration kSecond{2, "second", "CREATE TABLE b (y TEXT); CREATE INDEX b_y ON b(y);"};
// Its first statement succeeds, its second fails: the whole step must roll back.
const Migration kBrokenSecond{2, "broken", "CREATE TABLE b (y TEXT); CREATE TABLE a (z);"};

std::string errorOf(sqlite3* db, const std::vector<Migration>& list) {
  try {
    applyMigrations(db, list);
  } catch (const StoreError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected StoreError";
  return {};
}

TEST(MigrationsTest, SchemaMigrationsAreNumberedFromOneInOrder) {
  const auto list = schemaMigrations();
  ASSERT_FALSE(list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].version, static_cast<int>(i + 1));
    EXPECT_NE(std::string(list[i].description), "");
  }
  EXPECT_EQ(SqliteStore::latestSchemaVersion(), static_cast<int>(list.size()));
}

TEST(MigrationsTest, AppliesPendingStepsOneVersionAtATime) {
  TempDirectory dir;
  RawSqlite raw(dir.file("m.db"));
  EXPECT_EQ(readUserVersion(raw.handle()), 0);

  applyMigrations(raw.handle(), std::vector{kFirst});
  EXPECT_EQ(readUserVersion(raw.handle()), 1);
  EXPECT_TRUE(raw.hasTable("a"));
  ASSERT_TRUE(raw.exec("INSERT INTO a VALUES (7)"));

  // A later build appends a step: only that step runs, data stays.
  applyMigrations(raw.handle(), std::vector{kFirst, kSecond});
  EXPECT_EQ(readUserVersion(raw.handle()), 2);
  EXPECT_TRUE(raw.hasTable("b"));
  EXPECT_EQ(raw.queryInt("SELECT x FROM a"), 7);
}

TEST(MigrationsTest, ReapplyingIsANoOp) {
  RawSqlite raw(":memory:");
  applyMigrations(raw.handle(), std::vector{kFirst, kSecond});
  // Would fail with "table a already exists" if any step ran again.
  EXPECT_NO_THROW(applyMigrations(raw.handle(), std::vector{kFirst, kSecond}));
  EXPECT_EQ(readUserVersion(raw.handle()), 2);
}

TEST(MigrationsTest, FailedStepRollsBackToThePreviousVersion) {
  RawSqlite raw(":memory:");
  const std::string message = errorOf(raw.handle(), {kFirst, kBrokenSecond});
  EXPECT_NE(message.find("migration 2 (broken)"), std::string::npos) << message;
  EXPECT_NE(message.find("already exists"), std::string::npos) << message;

  EXPECT_EQ(readUserVersion(raw.handle()), 1);
  EXPECT_TRUE(raw.hasTable("a"));
  EXPECT_FALSE(raw.hasTable("b"));    // the step's successful first statement was undone
  EXPECT_TRUE(raw.exec("SELECT 1"));  // and no transaction was left open
  EXPECT_NE(sqlite3_get_autocommit(raw.handle()), 0);
}

TEST(MigrationsTest, RefusesDatabaseNewerThanTheList) {
  RawSqlite raw(":memory:");
  applyMigrations(raw.handle(), std::vector{kFirst, kSecond});
  const std::string message = errorOf(raw.handle(), {kFirst});
  EXPECT_NE(message.find("schema version 2 is newer"), std::string::npos) << message;
  EXPECT_EQ(readUserVersion(raw.handle()), 2);
}

TEST(MigrationsTest, RefusesOutOfOrderList) {
  RawSqlite raw(":memory:");
  const std::string message = errorOf(raw.handle(), {kSecond, kFirst});
  EXPECT_NE(message.find("out of order"), std::string::npos) << message;
  EXPECT_EQ(readUserVersion(raw.handle()), 0);
  EXPECT_FALSE(raw.hasTable("a"));
}

TEST(MigrationsTest, RefusesNegativeVersion) {
  RawSqlite raw(":memory:");
  ASSERT_TRUE(raw.exec("PRAGMA user_version = -3"));
  const std::string message = errorOf(raw.handle(), {kFirst});
  EXPECT_NE(message.find("invalid"), std::string::npos) << message;
}

TEST(MigrationsTest, SchemaRejectsUnknownModesAndNullKeys) {
  RawSqlite raw(":memory:");
  ASSERT_TRUE(raw.exec("PRAGMA foreign_keys = ON"));
  applyMigrations(raw.handle(), schemaMigrations());
  ASSERT_TRUE(
      raw.exec("INSERT INTO projects (api_key, secret, created_at_ms) VALUES ('1', 's', 0)"));
  EXPECT_EQ(raw.queryText("SELECT name FROM projects"), "");

  const std::string columns =
      "INSERT INTO sessions (session_id, api_key, media_mode, archive_mode, created_at_ms) ";
  EXPECT_TRUE(raw.exec(columns + "VALUES ('ok', '1', 'routed', 'always', 0)"));
  EXPECT_FALSE(raw.exec(columns + "VALUES ('m', '1', 'mesh', 'manual', 0)"));
  EXPECT_NE(raw.lastError().find("CHECK"), std::string::npos) << raw.lastError();
  EXPECT_FALSE(raw.exec(columns + "VALUES ('a', '1', 'relayed', 'sometimes', 0)"));
  EXPECT_FALSE(raw.exec(columns + "VALUES (NULL, '1', 'relayed', 'manual', 0)"));
  EXPECT_FALSE(
      raw.exec("INSERT INTO projects (api_key, secret, created_at_ms) VALUES (NULL, 's', 0)"));
  EXPECT_EQ(raw.queryInt("SELECT count(*) FROM sessions"), 1);
}

// Rows queued by a build before schema 4 get an event id that stays the same.
TEST(MigrationsTest, Version4GivesQueuedWebhooksAStableEventId) {
  RawSqlite raw(":memory:");
  applyMigrations(raw.handle(), schemaMigrations().subspan(0, 3));
  ASSERT_TRUE(
      raw.exec("INSERT INTO callback_outbox (id, api_key, url, body, next_attempt_at_ms, "
               "created_at_ms) VALUES (41, '1', 'http://x/', '{}', 0, 0)"));
  applyMigrations(raw.handle(), schemaMigrations());
  EXPECT_GE(readUserVersion(raw.handle()), 4);
  EXPECT_EQ(raw.queryText("SELECT event_id FROM callback_outbox WHERE id = 41"), "outbox-41");
  EXPECT_TRUE(raw.hasTable("open_subjects"));
  EXPECT_FALSE(
      raw.exec("INSERT INTO open_subjects (kind, session_id, subject_id, api_key, subject_json, "
               "opened_at_ms) VALUES ('archive', 's', 'a', '1', '{}', 0)"));
}

}  // namespace
}  // namespace parley::store
