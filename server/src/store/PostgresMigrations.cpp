#include "store/PostgresMigrations.h"

#include <array>
#include <string>

#include "store/PgConnection.h"
#include "store/PgTransaction.h"
#include "store/StoreError.h"

namespace parley::store {

namespace {

// Held while migrating: a session-level advisory lock whose key ("parl" in ASCII) is the
// same in every build. A node that dies holding it releases it with its connection.
class MigrationLock {
 public:
  explicit MigrationLock(PgConnection& connection) : connection_(connection) {
    connection_.exec("SELECT pg_advisory_lock(1885434476)");
  }
  ~MigrationLock() {
    try {
      connection_.exec("SELECT pg_advisory_unlock(1885434476)");
    } catch (const StoreError&) {
      // The connection broke: the server released the lock with it.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  PgConnection& connection_;
};

// Booleans are BOOLEAN and times are milliseconds in BIGINT; the CHECKs are SQLite's.
constexpr std::array kPostgresMigrations{
    Migration{1, "projects, sessions, archives, demo rooms, callbacks and the webhook outbox",
              R"sql(
CREATE TABLE projects (
  api_key TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  created_at_ms BIGINT NOT NULL,
  video_codec TEXT NOT NULL DEFAULT '' CHECK (video_codec IN ('', 'vp8', 'vp9', 'h264'))
);
CREATE TABLE sessions (
  session_id TEXT PRIMARY KEY,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  media_mode TEXT NOT NULL CHECK (media_mode IN ('routed', 'relayed')),
  archive_mode TEXT NOT NULL CHECK (archive_mode IN ('manual', 'always')),
  location TEXT NOT NULL DEFAULT '',
  e2ee BOOLEAN NOT NULL DEFAULT false,
  archive_name TEXT NOT NULL DEFAULT '',
  archive_resolution TEXT NOT NULL DEFAULT '',
  created_at_ms BIGINT NOT NULL,
  video_codec TEXT NOT NULL DEFAULT '' CHECK (video_codec IN ('', 'vp8', 'vp9', 'h264'))
);
CREATE INDEX sessions_api_key ON sessions(api_key);
CREATE TABLE callbacks (
  id TEXT PRIMARY KEY,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  event_group TEXT NOT NULL CHECK (event_group IN ('connection', 'stream', 'archive', 'broadcast')),
  event TEXT NOT NULL CHECK (
    (event_group IN ('connection', 'stream') AND event IN ('created', 'destroyed')) OR
    (event_group IN ('archive', 'broadcast') AND event = 'status')),
  url TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (api_key, event_group, event, url)
);
CREATE TABLE callback_outbox (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  api_key TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  event_id TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  claimed_by TEXT NOT NULL DEFAULT '',
  claimed_until_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX callback_outbox_due ON callback_outbox(next_attempt_at_ms);
CREATE INDEX callback_outbox_url ON callback_outbox(url);
CREATE INDEX callback_outbox_claims ON callback_outbox(claimed_by) WHERE claimed_by <> '';
CREATE TABLE open_subjects (
  kind TEXT NOT NULL CHECK (kind IN ('connection', 'stream')),
  session_id TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  api_key TEXT NOT NULL,
  subject_json TEXT NOT NULL,
  opened_at_ms BIGINT NOT NULL,
  node_id TEXT NOT NULL,
  PRIMARY KEY (kind, session_id, subject_id)
);
CREATE INDEX open_subjects_by_node ON open_subjects(node_id);
CREATE TABLE demo_rooms (
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  room TEXT NOT NULL,
  session_id TEXT NOT NULL REFERENCES sessions(session_id),
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (api_key, room)
);
CREATE TABLE archives (
  id TEXT PRIMARY KEY,
  api_key TEXT NOT NULL REFERENCES projects(api_key),
  session_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('started', 'stopped', 'available', 'failed')),
  reason TEXT NOT NULL DEFAULT '',
  output_mode TEXT NOT NULL CHECK (output_mode IN ('composed', 'individual')),
  stream_mode TEXT NOT NULL CHECK (stream_mode IN ('auto', 'manual')),
  has_audio BOOLEAN NOT NULL,
  has_video BOOLEAN NOT NULL,
  resolution TEXT NOT NULL DEFAULT '',
  layout_json TEXT NOT NULL DEFAULT '',
  multi_archive_tag TEXT NOT NULL DEFAULT '',
  max_bitrate BIGINT NOT NULL DEFAULT 0,
  quantization_parameter BIGINT NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  size_bytes BIGINT NOT NULL DEFAULT 0,
  duration_ms BIGINT NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '',
  streams_json TEXT NOT NULL DEFAULT '[]',
  node_id TEXT NOT NULL
);
CREATE INDEX archives_by_project ON archives(api_key, created_at_ms DESC);
CREATE INDEX archives_by_session ON archives(session_id, created_at_ms DESC);
CREATE INDEX archives_by_status ON archives(status, node_id);
)sql"},
    Migration{2, "proof of who may take an open subject over (session migration)",
              R"sql(
ALTER TABLE open_subjects ADD COLUMN proof TEXT NOT NULL DEFAULT '';
)sql"},
    Migration{3, "settings shared by the nodes (the URL-signing key)",
              R"sql(
CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql"},
};

bool versionTableExists(PgConnection& connection) {
  return connection.exec("SELECT to_regclass('parley_schema_version') IS NOT NULL").boolean(0, 0);
}

// Tables in the connection's current schema other than Parley's version table.
bool schemaHasOtherTables(PgConnection& connection) {
  return connection
             .exec(
                 "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                 "AND tablename <> 'parley_schema_version'")
             .int64(0, 0) > 0;
}

}  // namespace

std::span<const Migration> postgresMigrations() {
  return kPostgresMigrations;
}

int readPostgresVersion(PgConnection& connection) {
  if (!versionTableExists(connection)) return 0;
  PgResult row = connection.exec("SELECT version FROM parley_schema_version");
  return row.rows() == 0 ? 0 : static_cast<int>(row.int64(0, 0));
}

void applyPostgresMigrations(PgConnection& connection, std::span<const Migration> migrations) {
  const int latest = static_cast<int>(migrations.size());
  checkMigrationOrder(migrations);
  // Common case first, without the lock: already up to date.
  int version = readPostgresVersion(connection);
  checkSchemaVersion(version, latest);
  if (version >= latest) return;
  // A session-level lock taken outside any transaction: each step's transaction starts
  // after the wait, so it sees the catalog as the node that migrated meanwhile left it (a
  // transaction-scoped lock taken inside the step would leave the step with the catalog
  // cache of before the wait).
  MigrationLock lock(connection);
  version = readPostgresVersion(connection);
  checkSchemaVersion(version, latest);
  for (const Migration& migration : migrations) {
    if (version >= migration.version) continue;
    const std::string context =
        "migration " + std::to_string(migration.version) + " (" + migration.description + ")";
    try {
      PgTransaction transaction(connection);
      if (version == 0) {
        if (schemaHasOtherTables(connection)) {
          throw StoreError(
              "the database schema already contains tables but no Parley schema version; "
              "it is not a Parley database");
        }
        connection.execScript(
            "CREATE TABLE IF NOT EXISTS parley_schema_version ("
            "  one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one), version INTEGER NOT NULL)");
      }
      connection.execScript(migration.sql);
      connection.exec(
          "INSERT INTO parley_schema_version (one, version) VALUES (true, $1::integer) "
          "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
          PgParams().add(static_cast<std::int64_t>(migration.version)));
      transaction.commit();
    } catch (const StoreError& e) {
      throw StoreError(context + ": " + e.what());
    }
    version = migration.version;
  }
}

}  // namespace parley::store
