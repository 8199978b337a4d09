#include "store/Migrations.h"

#include <array>
#include <string>

#include "store/SqliteStatement.h"
#include "store/SqliteTransaction.h"
#include "store/StoreError.h"

namespace parley::store {

namespace {

// Plain CREATE TABLE (no IF NOT EXISTS): a table already present means the file is not
// what its user_version says, and we would rather stop than adopt an unknown shape.
// Keys are NOT NULL explicitly: SQLite lets a non-INTEGER PRIMARY KEY hold NULL otherwise.
constexpr std::array kMigrations{
    Migration{1, "projects and sessions",
              R"sql(
CREATE TABLE projects (
  api_key TEXT PRIMARY KEY NOT NULL,
  secret TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY NOT NULL,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  media_mode TEXT NOT NULL CHECK (media_mode IN ('routed', 'relayed')),
  archive_mode TEXT NOT NULL CHECK (archive_mode IN ('manual', 'always')),
  location TEXT NOT NULL DEFAULT '',
  e2ee INTEGER NOT NULL DEFAULT 0 CHECK (e2ee IN (0, 1)),
  archive_name TEXT NOT NULL DEFAULT '',
  archive_resolution TEXT NOT NULL DEFAULT '',
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX sessions_api_key ON sessions(api_key);
)sql"},
    // The outbox holds finished JSON bodies rather than references to callbacks, so an
    // event is delivered as it was when it happened even if the registration changes.
    Migration{2, "session-monitoring callbacks and their delivery outbox",
              R"sql(
CREATE TABLE callbacks (
  id TEXT PRIMARY KEY NOT NULL,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  event_group TEXT NOT NULL CHECK (event_group IN ('connection', 'stream')),
  event TEXT NOT NULL CHECK (event IN ('created', 'destroyed')),
  url TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (api_key, event_group, event, url)
);
CREATE TABLE callback_outbox (
  id INTEGER PRIMARY KEY,
  api_key TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX callback_outbox_due ON callback_outbox(next_attempt_at_ms);
CREATE INDEX callback_outbox_url ON callback_outbox(url);
)sql"},
    // The demo's room directory (web/demo): a room name stands for one session for the
    // life of the data directory, so everyone who types the same name meets.
    Migration{3, "demo room names and their sessions",
              R"sql(
CREATE TABLE demo_rooms (
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  room TEXT NOT NULL,
  session_id TEXT NOT NULL REFERENCES sessions(session_id),
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (api_key, room)
);
)sql"},
    // Webhook receivers need to tell a retried delivery from a new event: every outbox row
    // gets its event's id (rows written before this step get one derived from their row
    // id, stable from now on). And parleyd needs to know, after a crash, which connections
    // and streams it owes a "destroyed" webhook: open_subjects holds each one that someone
    // listens for, from its "created" to its "destroyed" event.
    Migration{4, "webhook event ids and the connections and streams left open",
              R"sql(
ALTER TABLE callback_outbox ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
UPDATE callback_outbox SET event_id = 'outbox-' || id WHERE event_id = '';
CREATE TABLE open_subjects (
  kind TEXT NOT NULL CHECK (kind IN ('connection', 'stream')),
  session_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  api_key TEXT NOT NULL,
  subject_json TEXT NOT NULL,
  opened_at_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, session_id, subject_id)
);
)sql"},
    // Archives (docs/protocol.md §3.4.2): what was asked for, where the recording stands,
    // and what it produced. Listed per project newest first, or per session.
    Migration{5, "archives",
              R"sql(
CREATE TABLE archives (
  id TEXT PRIMARY KEY NOT NULL,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  session_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('started', 'stopped', 'available', 'failed')),
  reason TEXT NOT NULL DEFAULT '',
  output_mode TEXT NOT NULL CHECK (output_mode IN ('composed', 'individual')),
  stream_mode TEXT NOT NULL CHECK (stream_mode IN ('auto', 'manual')),
  has_audio INTEGER NOT NULL CHECK (has_audio IN (0, 1)),
  has_video INTEGER NOT NULL CHECK (has_video IN (0, 1)),
  resolution TEXT NOT NULL DEFAULT '',
  layout_json TEXT NOT NULL DEFAULT '',
  multi_archive_tag TEXT NOT NULL DEFAULT '',
  max_bitrate INTEGER NOT NULL DEFAULT 0,
  quantization_parameter INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '',
  streams_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX archives_by_project ON archives(api_key, created_at_ms DESC);
CREATE INDEX archives_by_session ON archives(session_id, created_at_ms DESC);
CREATE INDEX archives_by_status ON archives(status);
)sql"},
    // Archive status callbacks (docs/protocol.md §4.2) are registered as group "archive",
    // event "status". SQLite cannot change a CHECK, so the table is rebuilt.
    Migration{6, "archive status callbacks",
              R"sql(
CREATE TABLE callbacks_v6 (
  id TEXT PRIMARY KEY NOT NULL,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  event_group TEXT NOT NULL CHECK (event_group IN ('connection', 'stream', 'archive')),
  event TEXT NOT NULL CHECK (
    (event_group IN ('connection', 'stream') AND event IN ('created', 'destroyed')) OR
    (event_group = 'archive' AND event = 'status')),
  url TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (api_key, event_group, event, url)
);
INSERT INTO callbacks_v6 (id, api_key, event_group, event, url, created_at_ms)
  SELECT id, api_key, event_group, event, url, created_at_ms FROM callbacks;
DROP TABLE callbacks;
ALTER TABLE callbacks_v6 RENAME TO callbacks;
)sql"},
    // The video codec publishers are asked to prefer (docs/media.md#video-codecs): set per
    // project, and per session at creation; '' leaves the choice to the next level up.
    Migration{7, "video codec preference of projects and sessions",
              R"sql(
ALTER TABLE projects ADD COLUMN video_codec TEXT NOT NULL DEFAULT ''
  CHECK (video_codec IN ('', 'vp8', 'vp9', 'h264'));
ALTER TABLE sessions ADD COLUMN video_codec TEXT NOT NULL DEFAULT ''
  CHECK (video_codec IN ('', 'vp8', 'vp9', 'h264'));
)sql"},
    // Broadcast status callbacks (docs/protocol.md §4.2), group "broadcast", event "status":
    // the table is rebuilt again for its CHECK.
    Migration{8, "broadcast status callbacks",
              R"sql(
CREATE TABLE callbacks_v8 (
  id TEXT PRIMARY KEY NOT NULL,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  event_group TEXT NOT NULL CHECK (event_group IN ('connection', 'stream', 'archive', 'broadcast')),
  event TEXT NOT NULL CHECK (
    (event_group IN ('connection', 'stream') AND event IN ('created', 'destroyed')) OR
    (event_group IN ('archive', 'broadcast') AND event = 'status')),
  url TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  UNIQUE (api_key, event_group, event, url)
);
INSERT INTO callbacks_v8 (id, api_key, event_group, event, url, created_at_ms)
  SELECT id, api_key, event_group, event, url, created_at_ms FROM callbacks;
DROP TABLE callbacks;
ALTER TABLE callbacks_v8 RENAME TO callbacks;
)sql"},
    // Outbox claims (Store::claimDueDeliveries): one node on SQLite, but the same contract
    // as on PostgreSQL, where several nodes share the outbox.
    Migration{9, "claims on webhook outbox rows",
              R"sql(
ALTER TABLE callback_outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE callback_outbox ADD COLUMN claimed_until_ms INTEGER NOT NULL DEFAULT 0;
)sql"},
    // Same columns as on PostgreSQL, where a moving client's subject changes node.
    Migration{10, "proof of who may take an open subject over",
              R"sql(
ALTER TABLE open_subjects ADD COLUMN proof TEXT NOT NULL DEFAULT '';
)sql"},
    Migration{11, "settings shared by the nodes of a database",
              R"sql(
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql"},
};

bool schemaIsEmpty(sqlite3* db) {
  SqliteStatement query(db, "SELECT count(*) FROM sqlite_schema");
  query.step();
  return query.columnInt64(0) == 0;
}

}  // namespace

void checkSchemaVersion(int version, int latest) {
  if (version > latest) {
    throw StoreError("database schema version " + std::to_string(version) +
                     " is newer than this build of Parley supports (" + std::to_string(latest) +
                     "); upgrade Parley or use a matching database");
  }
  if (version < 0) {
    throw StoreError("database schema version " + std::to_string(version) + " is invalid");
  }
}

void checkMigrationOrder(std::span<const Migration> migrations) {
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      throw StoreError("migration list out of order at entry " + std::to_string(i));
    }
  }
}

std::span<const Migration> schemaMigrations() {
  return kMigrations;
}

int readUserVersion(sqlite3* db) {
  SqliteStatement query(db, "PRAGMA user_version");
  if (!query.step()) throw StoreError("reading schema version: no result");
  return static_cast<int>(query.columnInt64(0));
}

void applyMigrations(sqlite3* db, std::span<const Migration> migrations) {
  const int latest = static_cast<int>(migrations.size());
  checkMigrationOrder(migrations);

  // Common case first, without the write lock: already up to date.
  int version = readUserVersion(db);
  checkSchemaVersion(version, latest);

  for (const Migration& migration : migrations) {
    if (version >= migration.version) continue;
    SqliteTransaction transaction(db);
    // Another process may have migrated while we waited for the write lock.
    version = readUserVersion(db);
    checkSchemaVersion(version, latest);
    if (version >= migration.version) continue;
    if (version == 0 && !schemaIsEmpty(db)) {
      throw StoreError(
          "database has schema version 0 but already contains tables; "
          "it is not a Parley database");
    }
    const std::string context =
        "migration " + std::to_string(migration.version) + " (" + migration.description + ")";
    try {
      execSql(db, migration.sql);
      // PRAGMA takes no bound parameters; the number is ours, not outside input.
      execSql(db, ("PRAGMA user_version = " + std::to_string(migration.version)).c_str());
      transaction.commit();
    } catch (const StoreError& e) {
      throw StoreError(context + ": " + e.what());
    }
    version = migration.version;
  }
}

}  // namespace parley::store
