#include "store/SqliteStore.h"

#include <sqlite3.h>

#include <utility>

#include "store/Migrations.h"
#include "store/SqliteStatement.h"
#include "store/StoreError.h"

namespace parley::store {

namespace {

// Long enough to ride out the other process's short write transactions (CLI vs daemon),
// short enough that a stuck lock surfaces as an error instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

constexpr std::string_view kFindProject =
    "SELECT api_key, secret, name, created_at_ms FROM projects WHERE api_key = ?1";
constexpr std::string_view kListProjects =
    "SELECT api_key, secret, name, created_at_ms FROM projects ORDER BY created_at_ms, api_key";
constexpr std::string_view kInsertProject =
    "INSERT INTO projects (api_key, secret, name, created_at_ms) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kUpdateProjectSecret =
    "UPDATE projects SET secret = ?2 WHERE api_key = ?1";
constexpr std::string_view kInsertSession =
    "INSERT INTO sessions (session_id, api_key, media_mode, archive_mode, location, e2ee, "
    "archive_name, archive_resolution, created_at_ms) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kFindSession =
    "SELECT session_id, api_key, media_mode, archive_mode, location, e2ee, archive_name, "
    "archive_resolution, created_at_ms FROM sessions WHERE session_id = ?1";
constexpr std::string_view kCountSessions = "SELECT count(*) FROM sessions WHERE api_key = ?1";

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
  return project;
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
    insert->bind(1, project.apiKey)
        .bind(2, project.secret)
        .bind(3, project.name)
        .bind(4, project.createdAtMs);
    insert->run();
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
        .bind(9, session.createdAtMs);
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

}  // namespace parley::store
