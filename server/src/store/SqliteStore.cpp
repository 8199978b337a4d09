#include "store/SqliteStore.h"

#include <sqlite3.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "store/Migrations.h"
#include "store/SqliteStatement.h"
#include "store/SqliteTransaction.h"
#include "store/StoreError.h"

namespace parley::store {

namespace {

// Long enough to ride out the other process's short write transactions (CLI vs daemon),
// short enough that a stuck lock surfaces as an error instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

constexpr std::string_view kFindProject =
    "SELECT api_key, secret, name, created_at_ms, video_codec FROM projects WHERE api_key = ?1";
constexpr std::string_view kListProjects =
    "SELECT api_key, secret, name, created_at_ms, video_codec FROM projects "
    "ORDER BY created_at_ms, api_key";
constexpr std::string_view kInsertProject =
    "INSERT INTO projects (api_key, secret, name, created_at_ms, video_codec) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kCountProjects = "SELECT count(*) FROM projects";
constexpr std::string_view kUpdateProjectSecret =
    "UPDATE projects SET secret = ?2 WHERE api_key = ?1";
constexpr std::string_view kUpdateProjectVideoCodec =
    "UPDATE projects SET video_codec = ?2 WHERE api_key = ?1";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (session_id, api_key, media_mode, archive_mode, location, e2ee, "
    "archive_name, archive_resolution, created_at_ms, video_codec) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr std::string_view kFindSession =
    "SELECT session_id, api_key, media_mode, archive_mode, location, e2ee, archive_name, "
    "archive_resolution, created_at_ms, video_codec FROM sessions WHERE session_id = ?1";
constexpr std::string_view kCountSessions = "SELECT count(*) FROM sessions WHERE api_key = ?1";
constexpr std::string_view kFindDemoRoom =
    "SELECT session_id FROM demo_rooms WHERE api_key = ?1 AND room = ?2";
constexpr std::string_view kBindDemoRoom =
    "INSERT INTO demo_rooms (api_key, room, session_id, created_at_ms) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (api_key, room) DO NOTHING";
constexpr std::string_view kInsertCallback =
    "INSERT INTO callbacks (id, api_key, event_group, event, url, created_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (api_key, event_group, event, url) DO NOTHING";
constexpr std::string_view kFindCallbackByTarget =
    "SELECT id, api_key, event_group, event, url, created_at_ms FROM callbacks "
    "WHERE api_key = ?1 AND event_group = ?2 AND event = ?3 AND url = ?4";
constexpr std::string_view kListCallbacks =
    "SELECT id, api_key, event_group, event, url, created_at_ms FROM callbacks "
    "WHERE api_key = ?1 ORDER BY created_at_ms, id";
constexpr std::string_view kCallbacksFor =
    "SELECT id, api_key, event_group, event, url, created_at_ms FROM callbacks "
    "WHERE api_key = ?1 AND event_group = ?2 AND event = ?3 ORDER BY created_at_ms, id";
constexpr std::string_view kDeleteCallback = "DELETE FROM callbacks WHERE api_key = ?1 AND id = ?2";
constexpr std::string_view kEnqueueDelivery =
    "INSERT INTO callback_outbox (api_key, url, body, attempts, next_attempt_at_ms, "
    "created_at_ms, last_error, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr std::string_view kDueDeliveries =
    "SELECT id, api_key, url, body, attempts, next_attempt_at_ms, created_at_ms, last_error, "
    "event_id FROM callback_outbox WHERE next_attempt_at_ms <= ?1 "
    "ORDER BY next_attempt_at_ms, id LIMIT ?2";
constexpr std::string_view kOpenSubject =
    "INSERT OR REPLACE INTO open_subjects (kind, session_id, subject_id, api_key, subject_json, "
    "opened_at_ms, proof) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kCloseSubject =
    "DELETE FROM open_subjects WHERE kind = ?1 AND session_id = ?2 AND subject_id = ?3";
constexpr std::string_view kOpenSubjects =
    "SELECT kind, session_id, subject_id, api_key, subject_json, opened_at_ms FROM open_subjects "
    "ORDER BY kind = 'connection', opened_at_ms, session_id, subject_id LIMIT ?1";
// One node owns a SQLite file, so every claim is its own.
constexpr std::string_view kClaimDueDeliveries =
    "UPDATE callback_outbox SET claimed_by = 'local', claimed_until_ms = ?1 + ?3 "
    "WHERE id IN (SELECT id FROM callback_outbox WHERE next_attempt_at_ms <= ?1 "
    "AND claimed_until_ms <= ?1 ORDER BY next_attempt_at_ms, id LIMIT ?2) "
    "RETURNING id, api_key, url, body, attempts, next_attempt_at_ms, created_at_ms, last_error, "
    "event_id";
constexpr std::string_view kReleaseClaims =
    "UPDATE callback_outbox SET claimed_by = '', claimed_until_ms = 0 WHERE claimed_by <> ''";
constexpr std::string_view kCountDeliveries = "SELECT count(*) FROM callback_outbox";
constexpr std::string_view kNextDelivery =
    "SELECT max(next_attempt_at_ms, claimed_until_ms) AS at FROM callback_outbox "
    "ORDER BY at LIMIT 1";
constexpr std::string_view kDeleteDelivery = "DELETE FROM callback_outbox WHERE id = ?1";
constexpr std::string_view kDeferDeliveries =
    "UPDATE callback_outbox SET next_attempt_at_ms = ?2, claimed_by = '', claimed_until_ms = 0 "
    "WHERE url = ?1 AND next_attempt_at_ms < ?2";
constexpr std::string_view kMarkFailed =
    "UPDATE callback_outbox SET attempts = attempts + 1, next_attempt_at_ms = ?2, last_error = ?3, "
    "claimed_by = '', claimed_until_ms = 0 WHERE id = ?1";

constexpr std::string_view kInsertArchive =
    "INSERT INTO archives (id, api_key, session_id, name, status, reason, output_mode, "
    "stream_mode, has_audio, has_video, resolution, layout_json, multi_archive_tag, max_bitrate, "
    "quantization_parameter, created_at_ms, updated_at_ms, size_bytes, duration_ms, sha256, "
    "streams_json) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
    "?21)";
constexpr std::string_view kUpdateArchive =
    "UPDATE archives SET name = ?4, status = ?5, reason = ?6, output_mode = ?7, stream_mode = ?8, "
    "has_audio = ?9, has_video = ?10, resolution = ?11, layout_json = ?12, "
    "multi_archive_tag = ?13, max_bitrate = ?14, quantization_parameter = ?15, "
    "updated_at_ms = ?17, size_bytes = ?18, duration_ms = ?19, sha256 = ?20, streams_json = ?21 "
    "WHERE id = ?1 AND api_key = ?2 AND session_id = ?3 AND created_at_ms = ?16";
constexpr std::string_view kFindArchive =
    "SELECT id, api_key, session_id, name, status, reason, output_mode, stream_mode, has_audio, "
    "has_video, resolution, layout_json, multi_archive_tag, max_bitrate, quantization_parameter, "
    "created_at_ms, updated_at_ms, size_bytes, duration_ms, sha256, streams_json FROM archives "
    "WHERE api_key = ?1 AND id = ?2";
constexpr std::string_view kListArchives =
    "SELECT id, api_key, session_id, name, status, reason, output_mode, stream_mode, has_audio, "
    "has_video, resolution, layout_json, multi_archive_tag, max_bitrate, quantization_parameter, "
    "created_at_ms, updated_at_ms, size_bytes, duration_ms, sha256, streams_json FROM archives "
    "WHERE api_key = ?1 AND (?2 = '' OR session_id = ?2) "
    "ORDER BY created_at_ms DESC, id LIMIT ?4 OFFSET ?3";
constexpr std::string_view kCountArchives =
    "SELECT count(*) FROM archives WHERE api_key = ?1 AND (?2 = '' OR session_id = ?2)";
constexpr std::string_view kDeleteArchive = "DELETE FROM archives WHERE api_key = ?1 AND id = ?2";
constexpr std::string_view kArchivesWithStatus =
    "SELECT id, api_key, session_id, name, status, reason, output_mode, stream_mode, has_audio, "
    "has_video, resolution, layout_json, multi_archive_tag, max_bitrate, quantization_parameter, "
    "created_at_ms, updated_at_ms, size_bytes, duration_ms, sha256, streams_json FROM archives "
    "WHERE status = ?1 ORDER BY created_at_ms";

// Borrows a cached statement for one call and resets it afterwards, also on error, so
// the statement can be reused and keeps no read snapshot open.
class StatementUse {
 public:
  explicit StatementUse(SqliteStatement& statement) : statement_(statement) {}
  ~StatementUse() { statement_.reset(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  SqliteStatement* operator->() const { return &statement_; }

 private:
  SqliteStatement& statement_;
};

// Runs `body`, prefixing any StoreError with the operation's name so that a message
// read in a log says what was being attempted.
template <typename Body>
auto asOperation(std::string_view operation, Body&& body) -> decltype(body()) {
  try {
    return std::forward<Body>(body)();
  } catch (const StoreError& e) {
    throw StoreError("SqliteStore::" + std::string(operation) + ": " + e.what());
  }
}

Project readProject(const StatementUse& row) {
  Project project;
  project.apiKey = row->columnText(0);
  project.secret = row->columnText(1);
  project.name = row->columnText(2);
  project.createdAtMs = row->columnInt64(3);
  project.videoCodec = row->columnText(4);
  return project;
}

void bindProject(const StatementUse& s, const Project& p) {
  s->bind(1, p.apiKey)
      .bind(2, p.secret)
      .bind(3, p.name)
      .bind(4, p.createdAtMs)
      .bind(5, p.videoCodec);
}

void bindArchive(const StatementUse& s, const ArchiveRecord& a) {
  s->bind(1, a.id)
      .bind(2, a.apiKey)
      .bind(3, a.sessionId)
      .bind(4, a.name)
      .bind(5, a.status)
      .bind(6, a.reason)
      .bind(7, a.outputMode)
      .bind(8, a.streamMode)
      .bind(9, a.hasAudio)
      .bind(10, a.hasVideo)
      .bind(11, a.resolution)
      .bind(12, a.layoutJson)
      .bind(13, a.multiArchiveTag)
      .bind(14, a.maxBitrate)
      .bind(15, a.quantizationParameter)
      .bind(16, a.createdAtMs)
      .bind(17, a.updatedAtMs)
      .bind(18, a.sizeBytes)
      .bind(19, a.durationMs)
      .bind(20, a.sha256)
      .bind(21, a.streamsJson);
}

ArchiveRecord readArchive(const StatementUse& row) {
  ArchiveRecord a;
  a.id = row->columnText(0);
  a.apiKey = row->columnText(1);
  a.sessionId = row->columnText(2);
  a.name = row->columnText(3);
  a.status = row->columnText(4);
  a.reason = row->columnText(5);
  a.outputMode = row->columnText(6);
  a.streamMode = row->columnText(7);
  a.hasAudio = row->columnInt64(8) != 0;
  a.hasVideo = row->columnInt64(9) != 0;
  a.resolution = row->columnText(10);
  a.layoutJson = row->columnText(11);
  a.multiArchiveTag = row->columnText(12);
  a.maxBitrate = row->columnInt64(13);
  a.quantizationParameter = row->columnInt64(14);
  a.createdAtMs = row->columnInt64(15);
  a.updatedAtMs = row->columnInt64(16);
  a.sizeBytes = row->columnInt64(17);
  a.durationMs = row->columnInt64(18);
  a.sha256 = row->columnText(19);
  a.streamsJson = row->columnText(20);
  return a;
}

CallbackRegistration readCallback(const StatementUse& row) {
  CallbackRegistration callback;
  callback.id = row->columnText(0);
  callback.apiKey = row->columnText(1);
  callback.group = row->columnText(2);
  callback.event = row->columnText(3);
  callback.url = row->columnText(4);
  callback.createdAtMs = row->columnInt64(5);
  return callback;
}

OutboxEntry readOutboxEntry(const StatementUse& row) {
  OutboxEntry entry;
  entry.id = row->columnInt64(0);
  entry.apiKey = row->columnText(1);
  entry.url = row->columnText(2);
  entry.body = row->columnText(3);
  entry.attempts = static_cast<int>(row->columnInt64(4));
  entry.nextAttemptAtMs = row->columnInt64(5);
  entry.createdAtMs = row->columnInt64(6);
  entry.lastError = row->columnText(7);
  entry.eventId = row->columnText(8);
  return entry;
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path) {
  // NOMUTEX: an instance has one owner thread, so SQLite's per-connection mutex is waste.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  try {
    if (rc != SQLITE_OK) throwSqliteError(db_, {});
    // Set before anything touches the file: switching to WAL itself may need to wait.
    if (sqlite3_busy_timeout(db_, kBusyTimeoutMs) != SQLITE_OK) {
      throwSqliteError(db_, "setting busy timeout");
    }
    // WAL lets the daemon keep reading while the CLI writes; NORMAL is durable across
    // process crashes in WAL mode and only risks the last commits on power loss.
    // (":memory:" stays in journal mode "memory", which is fine for tests.)
    execSql(db_, "PRAGMA journal_mode = WAL");
    execSql(db_, "PRAGMA synchronous = NORMAL");
    execSql(db_, "PRAGMA foreign_keys = ON");
    {
      // The pragma is silently ignored by builds without foreign-key support; sessions
      // rely on it to refuse unknown API keys, so make sure it took.
      SqliteStatement check(db_, "PRAGMA foreign_keys");
      if (!check.step() || check.columnInt64(0) != 1) {
        throw StoreError("this SQLite build does not enforce foreign keys");
      }
    }
    migrate();
  } catch (const StoreError& e) {
    close();
    throw StoreError("opening database '" + path + "': " + e.what());
  }
}

SqliteStore::~SqliteStore() {
  close();
}

void SqliteStore::close() noexcept {
  // Statements first: sqlite3_close refuses a connection with unfinalized statements.
  statements_.clear();
  sqlite3_close(db_);
  db_ = nullptr;
}

void SqliteStore::migrate() {
  applyMigrations(db_, schemaMigrations());
}

SqliteStatement& SqliteStore::statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SqliteStatement>(db_, sql)).first;
  }
  return *it->second;
}

int SqliteStore::schemaVersion() {
  return asOperation("schemaVersion", [&] { return readUserVersion(db_); });
}

int SqliteStore::latestSchemaVersion() {
  return static_cast<int>(schemaMigrations().size());
}

std::optional<Project> SqliteStore::findProject(std::string_view apiKey) {
  return asOperation("findProject", [&]() -> std::optional<Project> {
    StatementUse query(statement(kFindProject));
    query->bind(1, apiKey);
    if (!query->step()) return std::nullopt;
    return readProject(query);
  });
}

std::vector<Project> SqliteStore::listProjects() {
  return asOperation("listProjects", [&] {
    StatementUse query(statement(kListProjects));
    std::vector<Project> projects;
    while (query->step()) projects.push_back(readProject(query));
    return projects;
  });
}

void SqliteStore::insertProject(const Project& project) {
  // One INSERT is one implicit transaction: it either writes the whole row or nothing.
  asOperation("insertProject", [&] {
    StatementUse insert(statement(kInsertProject));
    bindProject(insert, project);
    insert->run();
  });
}

bool SqliteStore::insertProjectIfNone(const Project& project) {
  return asOperation("insertProjectIfNone", [&] {
    // BEGIN IMMEDIATE: the write lock is held from the count to the insert.
    SqliteTransaction transaction(db_);
    {
      StatementUse count(statement(kCountProjects));
      count->step();
      if (count->columnInt64(0) > 0) return false;
    }
    StatementUse insert(statement(kInsertProject));
    bindProject(insert, project);
    insert->run();
    transaction.commit();
    return true;
  });
}

std::string SqliteStore::settingOrInsert(std::string_view name, std::string_view value) {
  return asOperation("settingOrInsert", [&] {
    SqliteTransaction transaction(db_);
    {
      StatementUse insert(
          statement("INSERT OR IGNORE INTO settings (name, value) VALUES (?1, ?2)"));
      insert->bind(1, name).bind(2, value);
      insert->run();
    }
    std::string stored;
    {
      StatementUse query(statement("SELECT value FROM settings WHERE name = ?1"));
      query->bind(1, name);
      if (!query->step()) throw StoreError("setting " + std::string(name) + " vanished");
      stored = query->columnText(0);
    }
    transaction.commit();
    return stored;
  });
}

bool SqliteStore::updateProjectSecret(std::string_view apiKey, std::string_view secret) {
  return asOperation("updateProjectSecret", [&] {
    StatementUse update(statement(kUpdateProjectSecret));
    update->bind(1, apiKey).bind(2, secret);
    update->run();
    return update->changes() > 0;
  });
}

bool SqliteStore::updateProjectVideoCodec(std::string_view apiKey, std::string_view codec) {
  return asOperation("updateProjectVideoCodec", [&] {
    StatementUse update(statement(kUpdateProjectVideoCodec));
    update->bind(1, apiKey).bind(2, codec);
    update->run();
    return update->changes() > 0;
  });
}

void SqliteStore::insertSession(const SessionRecord& session) {
  asOperation("insertSession", [&] {
    const core::SessionProperties& p = session.properties;
    StatementUse insert(statement(kInsertSession));
    insert->bind(1, session.sessionId)
        .bind(2, session.apiKey)
        .bind(3, core::mediaModeName(p.mediaMode))
        .bind(4, core::archiveModeName(p.archiveMode))
        .bind(5, p.location)
        .bind(6, p.e2ee)
        .bind(7, p.archiveName)
        .bind(8, p.archiveResolution)
        .bind(9, session.createdAtMs)
        .bind(10, p.videoCodec);
    insert->run();
  });
}

std::optional<SessionRecord> SqliteStore::findSession(std::string_view sessionId) {
  return asOperation("findSession", [&]() -> std::optional<SessionRecord> {
    StatementUse query(statement(kFindSession));
    query->bind(1, sessionId);
    if (!query->step()) return std::nullopt;
    SessionRecord session;
    session.sessionId = query->columnText(0);
    session.apiKey = query->columnText(1);
    // The CHECK constraints make these parse; a failure means someone edited the file.
    const std::string mediaMode = query->columnText(2);
    const auto media = core::parseMediaMode(mediaMode);
    if (!media) throw StoreError("unknown media_mode '" + mediaMode + "'");
    const std::string archiveMode = query->columnText(3);
    const auto archive = core::parseArchiveMode(archiveMode);
    if (!archive) throw StoreError("unknown archive_mode '" + archiveMode + "'");
    session.properties.mediaMode = *media;
    session.properties.archiveMode = *archive;
    session.properties.location = query->columnText(4);
    session.properties.e2ee = query->columnInt64(5) != 0;
    session.properties.archiveName = query->columnText(6);
    session.properties.archiveResolution = query->columnText(7);
    session.createdAtMs = query->columnInt64(8);
    session.properties.videoCodec = query->columnText(9);
    return session;
  });
}

std::size_t SqliteStore::countSessions(std::string_view apiKey) {
  return asOperation("countSessions", [&] {
    StatementUse query(statement(kCountSessions));
    query->bind(1, apiKey);
    query->step();
    return static_cast<std::size_t>(query->columnInt64(0));
  });
}

void SqliteStore::insertArchive(const ArchiveRecord& archive) {
  asOperation("insertArchive", [&] {
    StatementUse insert(statement(kInsertArchive));
    bindArchive(insert, archive);
    insert->run();
  });
}

bool SqliteStore::updateArchive(const ArchiveRecord& archive) {
  return asOperation("updateArchive", [&] {
    StatementUse update(statement(kUpdateArchive));
    bindArchive(update, archive);
    update->run();
    return update->changes() > 0;
  });
}

std::optional<ArchiveRecord> SqliteStore::findArchive(std::string_view apiKey,
                                                      std::string_view id) {
  return asOperation("findArchive", [&]() -> std::optional<ArchiveRecord> {
    StatementUse query(statement(kFindArchive));
    query->bind(1, apiKey).bind(2, id);
    if (!query->step()) return std::nullopt;
    return readArchive(query);
  });
}

ArchivePage SqliteStore::listArchives(std::string_view apiKey, std::string_view sessionId,
                                      std::size_t offset, std::size_t count) {
  return asOperation("listArchives", [&] {
    ArchivePage page;
    {
      StatementUse total(statement(kCountArchives));
      total->bind(1, apiKey).bind(2, sessionId);
      total->step();
      page.total = static_cast<std::size_t>(total->columnInt64(0));
    }
    StatementUse query(statement(kListArchives));
    query->bind(1, apiKey)
        .bind(2, sessionId)
        .bind(3, static_cast<std::int64_t>(offset))
        .bind(4, static_cast<std::int64_t>(count));
    while (query->step()) page.items.push_back(readArchive(query));
    return page;
  });
}

bool SqliteStore::deleteArchive(std::string_view apiKey, std::string_view id) {
  return asOperation("deleteArchive", [&] {
    StatementUse remove(statement(kDeleteArchive));
    remove->bind(1, apiKey).bind(2, id);
    remove->run();
    return remove->changes() > 0;
  });
}

std::vector<ArchiveRecord> SqliteStore::archivesWithStatus(std::string_view status) {
  return asOperation("archivesWithStatus", [&] {
    std::vector<ArchiveRecord> out;
    StatementUse query(statement(kArchivesWithStatus));
    query->bind(1, status);
    while (query->step()) out.push_back(readArchive(query));
    return out;
  });
}

std::optional<std::string> SqliteStore::findDemoRoom(std::string_view apiKey,
                                                     std::string_view room) {
  return asOperation("findDemoRoom", [&]() -> std::optional<std::string> {
    StatementUse query(statement(kFindDemoRoom));
    query->bind(1, apiKey).bind(2, room);
    if (!query->step()) return std::nullopt;
    return query->columnText(0);
  });
}

std::string SqliteStore::bindDemoRoom(std::string_view apiKey, std::string_view room,
                                      std::string_view sessionId, std::int64_t createdAtMs) {
  return asOperation("bindDemoRoom", [&] {
    // Insert-or-keep and the read back in one transaction: two parleyd processes on one
    // data directory agree on the room's session.
    SqliteTransaction transaction(db_);
    {
      StatementUse insert(statement(kBindDemoRoom));
      insert->bind(1, apiKey).bind(2, room).bind(3, sessionId).bind(4, createdAtMs);
      insert->run();
    }
    std::string stored;
    {
      StatementUse query(statement(kFindDemoRoom));
      query->bind(1, apiKey).bind(2, room);
      if (!query->step()) throw StoreError("the bound demo room is missing");
      stored = query->columnText(0);
    }
    transaction.commit();
    return stored;
  });
}

CallbackRegistration SqliteStore::insertCallback(const CallbackRegistration& callback) {
  return asOperation("insertCallback", [&] {
    // Insert-or-keep and the read back form one unit, so the caller always gets the row
    // that is stored, whoever wrote it.
    SqliteTransaction transaction(db_);
    {
      StatementUse insert(statement(kInsertCallback));
      insert->bind(1, callback.id)
          .bind(2, callback.apiKey)
          .bind(3, callback.group)
          .bind(4, callback.event)
          .bind(5, callback.url)
          .bind(6, callback.createdAtMs);
      insert->run();
    }
    CallbackRegistration stored;
    {
      StatementUse query(statement(kFindCallbackByTarget));
      query->bind(1, callback.apiKey)
          .bind(2, callback.group)
          .bind(3, callback.event)
          .bind(4, callback.url);
      if (!query->step()) throw StoreError("the inserted callback is missing");
      stored = readCallback(query);
    }
    transaction.commit();
    return stored;
  });
}

std::vector<CallbackRegistration> SqliteStore::listCallbacks(std::string_view apiKey) {
  return asOperation("listCallbacks", [&] {
    StatementUse query(statement(kListCallbacks));
    query->bind(1, apiKey);
    std::vector<CallbackRegistration> callbacks;
    while (query->step()) callbacks.push_back(readCallback(query));
    return callbacks;
  });
}

bool SqliteStore::deleteCallback(std::string_view apiKey, std::string_view id) {
  return asOperation("deleteCallback", [&] {
    StatementUse remove(statement(kDeleteCallback));
    remove->bind(1, apiKey).bind(2, id);
    remove->run();
    return remove->changes() > 0;
  });
}

std::vector<CallbackRegistration> SqliteStore::callbacksFor(std::string_view apiKey,
                                                            std::string_view group,
                                                            std::string_view event) {
  return asOperation("callbacksFor", [&] {
    StatementUse query(statement(kCallbacksFor));
    query->bind(1, apiKey).bind(2, group).bind(3, event);
    std::vector<CallbackRegistration> callbacks;
    while (query->step()) callbacks.push_back(readCallback(query));
    return callbacks;
  });
}

void SqliteStore::insertDeliveries(const std::vector<OutboxEntry>& entries) {
  for (const OutboxEntry& entry : entries) {
    StatementUse insert(statement(kEnqueueDelivery));
    insert->bind(1, entry.apiKey)
        .bind(2, entry.url)
        .bind(3, entry.body)
        .bind(4, static_cast<std::int64_t>(entry.attempts))
        .bind(5, entry.nextAttemptAtMs)
        .bind(6, entry.createdAtMs)
        .bind(7, entry.lastError)
        .bind(8, entry.eventId);
    insert->run();
  }
}

void SqliteStore::enqueueDeliveries(const std::vector<OutboxEntry>& entries) {
  if (entries.empty()) return;
  asOperation("enqueueDeliveries", [&] {
    SqliteTransaction transaction(db_);
    insertDeliveries(entries);
    transaction.commit();
  });
}

// One node owns a SQLite file: every row is its own, so a subject is always opened here.
OpenOutcome SqliteStore::enqueueAndOpen(const std::vector<OutboxEntry>& entries,
                                        const OpenSubject& subject) {
  return asOperation("enqueueAndOpen", [&] {
    SqliteTransaction transaction(db_);
    insertDeliveries(entries);
    StatementUse insert(statement(kOpenSubject));
    insert->bind(1, subject.kind)
        .bind(2, subject.sessionId)
        .bind(3, subject.id)
        .bind(4, subject.apiKey)
        .bind(5, subject.json)
        .bind(6, subject.openedAtMs)
        .bind(7, subject.proof);
    insert->run();
    transaction.commit();
    return OpenOutcome::Opened;
  });
}

bool SqliteStore::enqueueAndClose(const std::vector<OutboxEntry>& entries, std::string_view kind,
                                  std::string_view sessionId, std::string_view id) {
  return asOperation("enqueueAndClose", [&] {
    SqliteTransaction transaction(db_);
    StatementUse remove(statement(kCloseSubject));
    remove->bind(1, kind).bind(2, sessionId).bind(3, id);
    remove->run();
    if (sqlite3_changes(db_) == 0) return false;  // rolled back: nothing to write
    insertDeliveries(entries);
    transaction.commit();
    return true;
  });
}

std::vector<OpenSubject> SqliteStore::openSubjects(std::size_t limit) {
  return asOperation("openSubjects", [&] {
    StatementUse query(statement(kOpenSubjects));
    query->bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, std::size_t{1} << 30)));
    std::vector<OpenSubject> subjects;
    while (query->step()) {
      OpenSubject subject;
      subject.kind = query->columnText(0);
      subject.sessionId = query->columnText(1);
      subject.id = query->columnText(2);
      subject.apiKey = query->columnText(3);
      subject.json = query->columnText(4);
      subject.openedAtMs = query->columnInt64(5);
      subjects.push_back(std::move(subject));
    }
    return subjects;
  });
}

std::vector<OutboxEntry> SqliteStore::dueDeliveries(std::int64_t nowMs, std::size_t limit) {
  return asOperation("dueDeliveries", [&] {
    StatementUse query(statement(kDueDeliveries));
    const auto bounded = std::min<std::size_t>(limit, std::size_t{1} << 30);
    query->bind(1, nowMs).bind(2, static_cast<std::int64_t>(bounded));
    std::vector<OutboxEntry> entries;
    while (query->step()) entries.push_back(readOutboxEntry(query));
    return entries;
  });
}

std::vector<OutboxEntry> SqliteStore::claimDueDeliveries(std::int64_t nowMs, std::size_t limit,
                                                         std::int64_t leaseMs) {
  return asOperation("claimDueDeliveries", [&] {
    StatementUse claim(statement(kClaimDueDeliveries));
    const auto bounded = std::min<std::size_t>(limit, std::size_t{1} << 30);
    claim->bind(1, nowMs).bind(2, static_cast<std::int64_t>(bounded)).bind(3, leaseMs);
    std::vector<OutboxEntry> entries;
    while (claim->step()) entries.push_back(readOutboxEntry(claim));
    // RETURNING follows no ORDER BY: the schedule order is restored here.
    std::sort(entries.begin(), entries.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
      return std::tie(a.nextAttemptAtMs, a.id) < std::tie(b.nextAttemptAtMs, b.id);
    });
    return entries;
  });
}

std::size_t SqliteStore::releaseClaims() {
  return asOperation("releaseClaims", [&] {
    StatementUse update(statement(kReleaseClaims));
    update->run();
    return static_cast<std::size_t>(update->changes());
  });
}

std::size_t SqliteStore::countDeliveries() {
  return asOperation("countDeliveries", [&] {
    StatementUse query(statement(kCountDeliveries));
    query->step();
    return static_cast<std::size_t>(query->columnInt64(0));
  });
}

std::optional<std::int64_t> SqliteStore::nextDeliveryAtMs() {
  return asOperation("nextDeliveryAtMs", [&]() -> std::optional<std::int64_t> {
    StatementUse query(statement(kNextDelivery));
    if (!query->step()) return std::nullopt;
    return query->columnInt64(0);
  });
}

bool SqliteStore::markDelivered(std::int64_t id) {
  return asOperation("markDelivered", [&] {
    StatementUse remove(statement(kDeleteDelivery));
    remove->bind(1, id);
    remove->run();
    return remove->changes() > 0;
  });
}

bool SqliteStore::markFailed(std::int64_t id, std::int64_t nextAttemptAtMs,
                             std::string_view error) {
  return asOperation("markFailed", [&] {
    StatementUse update(statement(kMarkFailed));
    update->bind(1, id).bind(2, nextAttemptAtMs).bind(3, error);
    update->run();
    return update->changes() > 0;
  });
}

bool SqliteStore::dropDelivery(std::int64_t id) {
  return asOperation("dropDelivery", [&] {
    StatementUse remove(statement(kDeleteDelivery));
    remove->bind(1, id);
    remove->run();
    return remove->changes() > 0;
  });
}

std::size_t SqliteStore::deferDeliveries(std::string_view url, std::int64_t untilMs) {
  return asOperation("deferDeliveries", [&] {
    StatementUse update(statement(kDeferDeliveries));
    update->bind(1, url).bind(2, untilMs);
    update->run();
    return static_cast<std::size_t>(update->changes());
  });
}

}  // namespace parley::store
