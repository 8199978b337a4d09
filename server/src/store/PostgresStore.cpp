#include "store/PostgresStore.h"

#include <algorithm>
#include <utility>

#include "store/PgTransaction.h"
#include "store/PostgresMigrations.h"
#include "store/StoreError.h"

namespace parley::store {

namespace {

constexpr std::string_view kFindProject =
    "SELECT api_key, secret, name, created_at_ms, video_codec FROM projects WHERE api_key = $1";
constexpr std::string_view kListProjects =
    "SELECT api_key, secret, name, created_at_ms, video_codec FROM projects "
    "ORDER BY created_at_ms, api_key";
constexpr std::string_view kInsertProject =
    "INSERT INTO projects (api_key, secret, name, created_at_ms, video_codec) "
    "VALUES ($1, $2, $3, $4::bigint, $5)";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (session_id, api_key, media_mode, archive_mode, location, e2ee, "
    "archive_name, archive_resolution, created_at_ms, video_codec) "
    "VALUES ($1, $2, $3, $4, $5, $6::boolean, $7, $8, $9::bigint, $10)";
constexpr std::string_view kFindSession =
    "SELECT session_id, api_key, media_mode, archive_mode, location, e2ee, archive_name, "
    "archive_resolution, created_at_ms, video_codec FROM sessions WHERE session_id = $1";
constexpr std::string_view kFindDemoRoom =
    "SELECT session_id FROM demo_rooms WHERE api_key = $1 AND room = $2";
constexpr std::string_view kCallbackColumns = "id, api_key, event_group, event, url, created_at_ms";
constexpr std::string_view kOutboxColumns =
    "id, api_key, url, body, attempts, next_attempt_at_ms, created_at_ms, last_error, event_id";
constexpr std::string_view kArchiveColumns =
    "id, api_key, session_id, name, status, reason, output_mode, stream_mode, has_audio, "
    "has_video, resolution, layout_json, multi_archive_tag, max_bitrate, quantization_parameter, "
    "created_at_ms, updated_at_ms, size_bytes, duration_ms, sha256, streams_json";

std::string sql(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size());
  out.append(a).append(b).append(c);
  return out;
}

// Runs `body`, prefixing any StoreError with the operation's name (as SqliteStore does).
template <typename Body>
auto asOperation(std::string_view operation, Body&& body) -> decltype(body()) {
  try {
    return std::forward<Body>(body)();
  } catch (const StoreError& e) {
    throw StoreError("PostgresStore::" + std::string(operation) + ": " + e.what());
  }
}

std::size_t boundedLimit(std::size_t limit) {
  return std::min<std::size_t>(limit, std::size_t{1} << 30);
}

Project readProject(const PgResult& r, int row) {
  Project project;
  project.apiKey = r.text(row, 0);
  project.secret = r.text(row, 1);
  project.name = r.text(row, 2);
  project.createdAtMs = r.int64(row, 3);
  project.videoCodec = r.text(row, 4);
  return project;
}

PgParams projectParams(const Project& p) {
  PgParams params;
  params.add(p.apiKey).add(p.secret).add(p.name).add(p.createdAtMs).add(p.videoCodec);
  return params;
}

CallbackRegistration readCallback(const PgResult& r, int row) {
  CallbackRegistration callback;
  callback.id = r.text(row, 0);
  callback.apiKey = r.text(row, 1);
  callback.group = r.text(row, 2);
  callback.event = r.text(row, 3);
  callback.url = r.text(row, 4);
  callback.createdAtMs = r.int64(row, 5);
  return callback;
}

OutboxEntry readOutboxEntry(const PgResult& r, int row) {
  OutboxEntry entry;
  entry.id = r.int64(row, 0);
  entry.apiKey = r.text(row, 1);
  entry.url = r.text(row, 2);
  entry.body = r.text(row, 3);
  entry.attempts = static_cast<int>(r.int64(row, 4));
  entry.nextAttemptAtMs = r.int64(row, 5);
  entry.createdAtMs = r.int64(row, 6);
  entry.lastError = r.text(row, 7);
  entry.eventId = r.text(row, 8);
  return entry;
}

std::vector<OutboxEntry> readOutboxEntries(const PgResult& r) {
  std::vector<OutboxEntry> entries;
  entries.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) entries.push_back(readOutboxEntry(r, i));
  return entries;
}

ArchiveRecord readArchive(const PgResult& r, int row) {
  ArchiveRecord a;
  a.id = r.text(row, 0);
  a.apiKey = r.text(row, 1);
  a.sessionId = r.text(row, 2);
  a.name = r.text(row, 3);
  a.status = r.text(row, 4);
  a.reason = r.text(row, 5);
  a.outputMode = r.text(row, 6);
  a.streamMode = r.text(row, 7);
  a.hasAudio = r.boolean(row, 8);
  a.hasVideo = r.boolean(row, 9);
  a.resolution = r.text(row, 10);
  a.layoutJson = r.text(row, 11);
  a.multiArchiveTag = r.text(row, 12);
  a.maxBitrate = r.int64(row, 13);
  a.quantizationParameter = r.int64(row, 14);
  a.createdAtMs = r.int64(row, 15);
  a.updatedAtMs = r.int64(row, 16);
  a.sizeBytes = r.int64(row, 17);
  a.durationMs = r.int64(row, 18);
  a.sha256 = r.text(row, 19);
  a.streamsJson = r.text(row, 20);
  a.nodeId = r.text(row, 21);  // every SELECT names it after kArchiveColumns
  return a;
}

std::vector<ArchiveRecord> readArchives(const PgResult& r) {
  std::vector<ArchiveRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(readArchive(r, i));
  return out;
}

// $1 … $21 in kArchiveColumns order.
PgParams archiveParams(const ArchiveRecord& a) {
  PgParams p;
  p.add(a.id)
      .add(a.apiKey)
      .add(a.sessionId)
      .add(a.name)
      .add(a.status)
      .add(a.reason)
      .add(a.outputMode)
      .add(a.streamMode)
      .add(a.hasAudio)
      .add(a.hasVideo)
      .add(a.resolution)
      .add(a.layoutJson)
      .add(a.multiArchiveTag)
      .add(a.maxBitrate)
      .add(a.quantizationParameter)
      .add(a.createdAtMs)
      .add(a.updatedAtMs)
      .add(a.sizeBytes)
      .add(a.durationMs)
      .add(a.sha256)
      .add(a.streamsJson);
  return p;
}

}  // namespace

PostgresStore::PostgresStore(const std::string& url, std::string nodeId)
    : connection_(url), nodeId_(std::move(nodeId)) {
  if (nodeId_.empty()) throw StoreError("PostgresStore: a node id is required");
  asOperation("open", [&] { applyPostgresMigrations(connection_, postgresMigrations()); });
}

int PostgresStore::schemaVersion() {
  return asOperation("schemaVersion", [&] { return readPostgresVersion(connection_); });
}

int PostgresStore::latestSchemaVersion() {
  return static_cast<int>(postgresMigrations().size());
}

std::optional<Project> PostgresStore::findProject(std::string_view apiKey) {
  return asOperation("findProject", [&]() -> std::optional<Project> {
    PgResult r = connection_.exec(kFindProject, PgParams().add(apiKey));
    if (r.rows() == 0) return std::nullopt;
    return readProject(r, 0);
  });
}

std::vector<Project> PostgresStore::listProjects() {
  return asOperation("listProjects", [&] {
    PgResult r = connection_.exec(kListProjects);
    std::vector<Project> projects;
    for (int i = 0; i < r.rows(); ++i) projects.push_back(readProject(r, i));
    return projects;
  });
}

void PostgresStore::insertProject(const Project& project) {
  asOperation("insertProject", [&] { connection_.exec(kInsertProject, projectParams(project)); });
}

bool PostgresStore::insertProjectIfNone(const Project& project) {
  return asOperation("insertProjectIfNone", [&] {
    // The lock makes the emptiness check and the insert one step for concurrent callers:
    // each sees the rows committed by the one before it.
    PgTransaction transaction(connection_);
    connection_.exec("SELECT pg_advisory_xact_lock(1885434477)");
    const bool inserted =
        connection_
            .exec(
                "INSERT INTO projects (api_key, secret, name, created_at_ms, video_codec) "
                "SELECT $1, $2, $3, $4::bigint, $5 WHERE NOT EXISTS (SELECT 1 FROM projects)",
                projectParams(project))
            .affected() > 0;
    transaction.commit();
    return inserted;
  });
}

std::string PostgresStore::settingOrInsert(std::string_view name, std::string_view value) {
  return asOperation("settingOrInsert", [&] {
    PgResult inserted = connection_.exec(
        "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING "
        "RETURNING value",
        PgParams().add(name).add(value));
    if (inserted.rows() == 1) return inserted.text(0, 0);
    // Another node's row: a statement of its own, so that its snapshot (taken after the
    // insert waited for that node's transaction) sees it. One statement with both would not.
    PgResult stored =
        connection_.exec("SELECT value FROM settings WHERE name = $1", PgParams().add(name));
    if (stored.rows() == 0) throw StoreError("setting " + std::string(name) + " vanished");
    return stored.text(0, 0);
  });
}

bool PostgresStore::updateProjectSecret(std::string_view apiKey, std::string_view secret) {
  return asOperation("updateProjectSecret", [&] {
    return connection_
               .exec("UPDATE projects SET secret = $2 WHERE api_key = $1",
                     PgParams().add(apiKey).add(secret))
               .affected() > 0;
  });
}

bool PostgresStore::updateProjectVideoCodec(std::string_view apiKey, std::string_view codec) {
  return asOperation("updateProjectVideoCodec", [&] {
    return connection_
               .exec("UPDATE projects SET video_codec = $2 WHERE api_key = $1",
                     PgParams().add(apiKey).add(codec))
               .affected() > 0;
  });
}

void PostgresStore::insertSession(const SessionRecord& session) {
  asOperation("insertSession", [&] {
    const core::SessionProperties& p = session.properties;
    connection_.exec(kInsertSession, PgParams()
                                         .add(session.sessionId)
                                         .add(session.apiKey)
                                         .add(core::mediaModeName(p.mediaMode))
                                         .add(core::archiveModeName(p.archiveMode))
                                         .add(p.location)
                                         .add(p.e2ee)
                                         .add(p.archiveName)
                                         .add(p.archiveResolution)
                                         .add(session.createdAtMs)
                                         .add(p.videoCodec));
  });
}

std::optional<SessionRecord> PostgresStore::findSession(std::string_view sessionId) {
  return asOperation("findSession", [&]() -> std::optional<SessionRecord> {
    PgResult r = connection_.exec(kFindSession, PgParams().add(sessionId));
    if (r.rows() == 0) return std::nullopt;
    SessionRecord session;
    session.sessionId = r.text(0, 0);
    session.apiKey = r.text(0, 1);
    // The CHECK constraints make these parse; a failure means someone edited the table.
    const std::string mediaMode = r.text(0, 2);
    const auto media = core::parseMediaMode(mediaMode);
    if (!media) throw StoreError("unknown media_mode '" + mediaMode + "'");
    const std::string archiveMode = r.text(0, 3);
    const auto archive = core::parseArchiveMode(archiveMode);
    if (!archive) throw StoreError("unknown archive_mode '" + archiveMode + "'");
    session.properties.mediaMode = *media;
    session.properties.archiveMode = *archive;
    session.properties.location = r.text(0, 4);
    session.properties.e2ee = r.boolean(0, 5);
    session.properties.archiveName = r.text(0, 6);
    session.properties.archiveResolution = r.text(0, 7);
    session.createdAtMs = r.int64(0, 8);
    session.properties.videoCodec = r.text(0, 9);
    return session;
  });
}

std::size_t PostgresStore::countSessions(std::string_view apiKey) {
  return asOperation("countSessions", [&] {
    return static_cast<std::size_t>(
        connection_.exec("SELECT count(*) FROM sessions WHERE api_key = $1", PgParams().add(apiKey))
            .int64(0, 0));
  });
}

void PostgresStore::insertArchive(const ArchiveRecord& archive) {
  asOperation("insertArchive", [&] {
    // The node that starts a recording is the one whose restart finalises it.
    connection_.exec(sql("INSERT INTO archives (", kArchiveColumns,
                         ", node_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::boolean, "
                         "$10::boolean, $11, $12, $13, $14::bigint, $15::bigint, $16::bigint, "
                         "$17::bigint, $18::bigint, $19::bigint, $20, $21, $22)"),
                     archiveParams(archive).add(nodeId_));
  });
}

bool PostgresStore::updateArchive(const ArchiveRecord& archive) {
  return asOperation("updateArchive", [&] {
    return connection_
               .exec(
                   "UPDATE archives SET name = $4, status = $5, reason = $6, output_mode = $7, "
                   "stream_mode = $8, has_audio = $9::boolean, has_video = $10::boolean, "
                   "resolution = $11, layout_json = $12, multi_archive_tag = $13, "
                   "max_bitrate = $14::bigint, quantization_parameter = $15::bigint, "
                   "updated_at_ms = $17::bigint, size_bytes = $18::bigint, "
                   "duration_ms = $19::bigint, sha256 = $20, streams_json = $21 "
                   "WHERE id = $1 AND api_key = $2 AND session_id = $3 "
                   "AND created_at_ms = $16::bigint",
                   archiveParams(archive))
               .affected() > 0;
  });
}

std::optional<ArchiveRecord> PostgresStore::findArchive(std::string_view apiKey,
                                                        std::string_view id) {
  return asOperation("findArchive", [&]() -> std::optional<ArchiveRecord> {
    PgResult r = connection_.exec(
        sql("SELECT ", kArchiveColumns, ", node_id FROM archives WHERE api_key = $1 AND id = $2"),
        PgParams().add(apiKey).add(id));
    if (r.rows() == 0) return std::nullopt;
    return readArchive(r, 0);
  });
}

ArchivePage PostgresStore::listArchives(std::string_view apiKey, std::string_view sessionId,
                                        std::size_t offset, std::size_t count) {
  return asOperation("listArchives", [&] {
    // Total and page from one snapshot.
    PgTransaction transaction(connection_);
    ArchivePage page;
    page.total = static_cast<std::size_t>(
        connection_
            .exec(
                "SELECT count(*) FROM archives WHERE api_key = $1 AND ($2 = '' OR session_id = $2)",
                PgParams().add(apiKey).add(sessionId))
            .int64(0, 0));
    page.items = readArchives(connection_.exec(
        sql("SELECT ", kArchiveColumns,
            ", node_id FROM archives WHERE api_key = $1 AND ($2 = '' OR session_id = $2) "
            "ORDER BY created_at_ms DESC, id LIMIT $4::bigint OFFSET $3::bigint"),
        PgParams()
            .add(apiKey)
            .add(sessionId)
            .add(static_cast<std::int64_t>(boundedLimit(offset)))
            .add(static_cast<std::int64_t>(boundedLimit(count)))));
    transaction.commit();
    return page;
  });
}

bool PostgresStore::deleteArchive(std::string_view apiKey, std::string_view id) {
  return asOperation("deleteArchive", [&] {
    return connection_
               .exec("DELETE FROM archives WHERE api_key = $1 AND id = $2",
                     PgParams().add(apiKey).add(id))
               .affected() > 0;
  });
}

std::vector<ArchiveRecord> PostgresStore::archivesWithStatus(std::string_view status) {
  return asOperation("archivesWithStatus", [&] {
    return readArchives(connection_.exec(
        sql("SELECT ", kArchiveColumns,
            ", node_id FROM archives WHERE status = $1 AND node_id = $2 ORDER BY created_at_ms"),
        PgParams().add(status).add(nodeId_)));
  });
}

std::optional<std::string> PostgresStore::findDemoRoom(std::string_view apiKey,
                                                       std::string_view room) {
  return asOperation("findDemoRoom", [&]() -> std::optional<std::string> {
    PgResult r = connection_.exec(kFindDemoRoom, PgParams().add(apiKey).add(room));
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
  });
}

std::string PostgresStore::bindDemoRoom(std::string_view apiKey, std::string_view room,
                                        std::string_view sessionId, std::int64_t createdAtMs) {
  return asOperation("bindDemoRoom", [&] {
    // A concurrent binder's INSERT waits on the key until the first commits, then does
    // nothing; the read that follows sees whichever row won.
    PgTransaction transaction(connection_);
    connection_.exec(
        "INSERT INTO demo_rooms (api_key, room, session_id, created_at_ms) "
        "VALUES ($1, $2, $3, $4::bigint) ON CONFLICT (api_key, room) DO NOTHING",
        PgParams().add(apiKey).add(room).add(sessionId).add(createdAtMs));
    PgResult r = connection_.exec(kFindDemoRoom, PgParams().add(apiKey).add(room));
    if (r.rows() == 0) throw StoreError("the bound demo room is missing");
    std::string stored = r.text(0, 0);
    transaction.commit();
    return stored;
  });
}

CallbackRegistration PostgresStore::insertCallback(const CallbackRegistration& callback) {
  return asOperation("insertCallback", [&] {
    PgTransaction transaction(connection_);
    connection_.exec(
        "INSERT INTO callbacks (id, api_key, event_group, event, url, created_at_ms) "
        "VALUES ($1, $2, $3, $4, $5, $6::bigint) "
        "ON CONFLICT (api_key, event_group, event, url) DO NOTHING",
        PgParams()
            .add(callback.id)
            .add(callback.apiKey)
            .add(callback.group)
            .add(callback.event)
            .add(callback.url)
            .add(callback.createdAtMs));
    PgResult r = connection_.exec(
        sql("SELECT ", kCallbackColumns,
            " FROM callbacks WHERE api_key = $1 AND event_group = $2 AND event = $3 AND url = $4"),
        PgParams().add(callback.apiKey).add(callback.group).add(callback.event).add(callback.url));
    if (r.rows() == 0) throw StoreError("the inserted callback is missing");
    CallbackRegistration stored = readCallback(r, 0);
    transaction.commit();
    return stored;
  });
}

std::vector<CallbackRegistration> PostgresStore::listCallbacks(std::string_view apiKey) {
  return asOperation("listCallbacks", [&] {
    PgResult r =
        connection_.exec(sql("SELECT ", kCallbackColumns,
                             " FROM callbacks WHERE api_key = $1 ORDER BY created_at_ms, id"),
                         PgParams().add(apiKey));
    std::vector<CallbackRegistration> callbacks;
    for (int i = 0; i < r.rows(); ++i) callbacks.push_back(readCallback(r, i));
    return callbacks;
  });
}

bool PostgresStore::deleteCallback(std::string_view apiKey, std::string_view id) {
  return asOperation("deleteCallback", [&] {
    return connection_
               .exec("DELETE FROM callbacks WHERE api_key = $1 AND id = $2",
                     PgParams().add(apiKey).add(id))
               .affected() > 0;
  });
}

std::vector<CallbackRegistration> PostgresStore::callbacksFor(std::string_view apiKey,
                                                              std::string_view group,
                                                              std::string_view event) {
  return asOperation("callbacksFor", [&] {
    PgResult r = connection_.exec(
        sql("SELECT ", kCallbackColumns,
            " FROM callbacks WHERE api_key = $1 AND event_group = $2 AND event = $3 "
            "ORDER BY created_at_ms, id"),
        PgParams().add(apiKey).add(group).add(event));
    std::vector<CallbackRegistration> callbacks;
    for (int i = 0; i < r.rows(); ++i) callbacks.push_back(readCallback(r, i));
    return callbacks;
  });
}

void PostgresStore::insertDeliveries(const std::vector<OutboxEntry>& entries) {
  for (const OutboxEntry& entry : entries) {
    connection_.exec(
        "INSERT INTO callback_outbox (api_key, url, body, attempts, next_attempt_at_ms, "
        "created_at_ms, last_error, event_id) "
        "VALUES ($1, $2, $3, $4::integer, $5::bigint, $6::bigint, $7, $8)",
        PgParams()
            .add(entry.apiKey)
            .add(entry.url)
            .add(entry.body)
            .add(static_cast<std::int64_t>(entry.attempts))
            .add(entry.nextAttemptAtMs)
            .add(entry.createdAtMs)
            .add(entry.lastError)
            .add(entry.eventId));
  }
}

void PostgresStore::enqueueDeliveries(const std::vector<OutboxEntry>& entries) {
  if (entries.empty()) return;
  asOperation("enqueueDeliveries", [&] {
    PgTransaction transaction(connection_);
    insertDeliveries(entries);
    transaction.commit();
  });
}

OpenOutcome PostgresStore::enqueueAndOpen(const std::vector<OutboxEntry>& entries,
                                          const OpenSubject& subject) {
  return asOperation("enqueueAndOpen", [&] {
    PgTransaction transaction(connection_);
    const PgParams key = PgParams().add(subject.kind).add(subject.sessionId).add(subject.id);
    PgResult held = connection_.exec(
        "SELECT node_id, proof FROM open_subjects "
        "WHERE kind = $1 AND session_id = $2 AND subject_id = $3 FOR UPDATE",
        key);
    if (held.rows() == 1 && held.text(0, 0) != nodeId_) {
      if (!subject.proof.empty() && held.text(0, 1) == subject.proof) {
        // The same client, moving here: one "created" was sent, its "destroyed" is now ours.
        connection_.exec(
            "UPDATE open_subjects SET node_id = $4 "
            "WHERE kind = $1 AND session_id = $2 AND subject_id = $3",
            PgParams().add(subject.kind).add(subject.sessionId).add(subject.id).add(nodeId_));
        transaction.commit();
        return OpenOutcome::MovedIn;
      }
      insertDeliveries(entries);
      transaction.commit();
      return OpenOutcome::Conflict;
    }
    insertDeliveries(entries);
    connection_.exec(
        "INSERT INTO open_subjects (kind, session_id, subject_id, api_key, subject_json, "
        "opened_at_ms, node_id, proof) VALUES ($1, $2, $3, $4, $5, $6::bigint, $7, $8) "
        "ON CONFLICT (kind, session_id, subject_id) DO UPDATE SET api_key = EXCLUDED.api_key, "
        "subject_json = EXCLUDED.subject_json, opened_at_ms = EXCLUDED.opened_at_ms, "
        "node_id = EXCLUDED.node_id, proof = EXCLUDED.proof",
        PgParams()
            .add(subject.kind)
            .add(subject.sessionId)
            .add(subject.id)
            .add(subject.apiKey)
            .add(subject.json)
            .add(subject.openedAtMs)
            .add(nodeId_)
            .add(subject.proof));
    transaction.commit();
    return OpenOutcome::Opened;
  });
}

bool PostgresStore::enqueueAndClose(const std::vector<OutboxEntry>& entries, std::string_view kind,
                                    std::string_view sessionId, std::string_view id) {
  return asOperation("enqueueAndClose", [&] {
    PgTransaction transaction(connection_);
    PgResult removed = connection_.exec(
        "DELETE FROM open_subjects "
        "WHERE kind = $1 AND session_id = $2 AND subject_id = $3 AND node_id = $4 RETURNING 1",
        PgParams().add(kind).add(sessionId).add(id).add(nodeId_));
    if (removed.rows() == 0) return false;  // rolled back by the transaction's destructor
    insertDeliveries(entries);
    transaction.commit();
    return true;
  });
}

std::vector<OpenSubject> PostgresStore::openSubjects(std::size_t limit) {
  return asOperation("openSubjects", [&] {
    PgResult r = connection_.exec(
        "SELECT kind, session_id, subject_id, api_key, subject_json, opened_at_ms "
        "FROM open_subjects WHERE node_id = $2 "
        "ORDER BY kind = 'connection', opened_at_ms, session_id, subject_id LIMIT $1::bigint",
        PgParams().add(static_cast<std::int64_t>(boundedLimit(limit))).add(nodeId_));
    std::vector<OpenSubject> subjects;
    for (int i = 0; i < r.rows(); ++i) {
      OpenSubject subject;
      subject.kind = r.text(i, 0);
      subject.sessionId = r.text(i, 1);
      subject.id = r.text(i, 2);
      subject.apiKey = r.text(i, 3);
      subject.json = r.text(i, 4);
      subject.openedAtMs = r.int64(i, 5);
      subjects.push_back(std::move(subject));
    }
    return subjects;
  });
}

std::vector<OutboxEntry> PostgresStore::dueDeliveries(std::int64_t nowMs, std::size_t limit) {
  return asOperation("dueDeliveries", [&] {
    return readOutboxEntries(connection_.exec(
        sql("SELECT ", kOutboxColumns,
            " FROM callback_outbox WHERE next_attempt_at_ms <= $1::bigint "
            "ORDER BY next_attempt_at_ms, id LIMIT $2::bigint"),
        PgParams().add(nowMs).add(static_cast<std::int64_t>(boundedLimit(limit)))));
  });
}

std::vector<OutboxEntry> PostgresStore::claimDueDeliveries(std::int64_t nowMs, std::size_t limit,
                                                           std::int64_t leaseMs) {
  return asOperation("claimDueDeliveries", [&] {
    // SKIP LOCKED: nodes claiming at the same moment take disjoint rows instead of
    // waiting for each other or claiming the same ones.
    std::vector<OutboxEntry> entries = readOutboxEntries(connection_.exec(
        "WITH picked AS (SELECT id FROM callback_outbox WHERE next_attempt_at_ms <= $1::bigint "
        "AND claimed_until_ms <= $1::bigint ORDER BY next_attempt_at_ms, id LIMIT $2::bigint "
        "FOR UPDATE SKIP LOCKED) "
        "UPDATE callback_outbox o SET claimed_by = $4, claimed_until_ms = $1::bigint + $3::bigint "
        "FROM picked WHERE o.id = picked.id RETURNING o.id, o.api_key, o.url, o.body, o.attempts, "
        "o.next_attempt_at_ms, o.created_at_ms, o.last_error, o.event_id",
        PgParams()
            .add(nowMs)
            .add(static_cast<std::int64_t>(boundedLimit(limit)))
            .add(leaseMs)
            .add(nodeId_)));
    // RETURNING follows no ORDER BY: the schedule order is restored here.
    std::sort(entries.begin(), entries.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
      return a.nextAttemptAtMs != b.nextAttemptAtMs ? a.nextAttemptAtMs < b.nextAttemptAtMs
                                                    : a.id < b.id;
    });
    return entries;
  });
}

std::size_t PostgresStore::releaseClaims() {
  return asOperation("releaseClaims", [&] {
    return static_cast<std::size_t>(
        connection_
            .exec("UPDATE callback_outbox SET claimed_by = '', claimed_until_ms = 0 "
                  "WHERE claimed_by = $1",
                  PgParams().add(nodeId_))
            .affected());
  });
}

std::size_t PostgresStore::countDeliveries() {
  return asOperation("countDeliveries", [&] {
    return static_cast<std::size_t>(
        connection_.exec("SELECT count(*) FROM callback_outbox").int64(0, 0));
  });
}

std::optional<std::int64_t> PostgresStore::nextDeliveryAtMs() {
  return asOperation("nextDeliveryAtMs", [&]() -> std::optional<std::int64_t> {
    PgResult r = connection_.exec(
        "SELECT greatest(next_attempt_at_ms, claimed_until_ms) AS at FROM callback_outbox "
        "ORDER BY at LIMIT 1");
    if (r.rows() == 0) return std::nullopt;
    return r.int64(0, 0);
  });
}

bool PostgresStore::markDelivered(std::int64_t id) {
  return asOperation("markDelivered", [&] {
    return connection_.exec("DELETE FROM callback_outbox WHERE id = $1::bigint", PgParams().add(id))
               .affected() > 0;
  });
}

bool PostgresStore::markFailed(std::int64_t id, std::int64_t nextAttemptAtMs,
                               std::string_view error) {
  return asOperation("markFailed", [&] {
    return connection_
               .exec(
                   "UPDATE callback_outbox SET attempts = attempts + 1, "
                   "next_attempt_at_ms = $2::bigint, last_error = $3, claimed_by = '', "
                   "claimed_until_ms = 0 WHERE id = $1::bigint",
                   PgParams().add(id).add(nextAttemptAtMs).add(error))
               .affected() > 0;
  });
}

bool PostgresStore::dropDelivery(std::int64_t id) {
  return markDelivered(id);
}

std::size_t PostgresStore::deferDeliveries(std::string_view url, std::int64_t untilMs) {
  return asOperation("deferDeliveries", [&] {
    return static_cast<std::size_t>(
        connection_
            .exec("UPDATE callback_outbox SET next_attempt_at_ms = $2::bigint, claimed_by = '', "
                  "claimed_until_ms = 0 WHERE url = $1 AND next_attempt_at_ms < $2::bigint "
                  "AND (claimed_by = '' OR claimed_by = $3)",
                  PgParams().add(url).add(untilMs).add(nodeId_))
            .affected());
  });
}

}  // namespace parley::store
