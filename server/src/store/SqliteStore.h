#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/Store.h"

struct sqlite3;

namespace parley::store {

class SqliteStatement;

// The Store on one SQLite file (WAL mode). Opening applies pending schema migrations
// inside a transaction; the schema version lives in PRAGMA user_version.
// Not thread-safe: one owner thread per instance (open another instance per thread).
class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for tests).
  // Throws StoreError on failure, or if the file's schema is newer than this build knows.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  int schemaVersion();
  static int latestSchemaVersion();

  std::optional<Project> findProject(std::string_view apiKey) override;
  std::vector<Project> listProjects() override;
  void insertProject(const Project& project) override;
  std::string settingOrInsert(std::string_view name, std::string_view value) override;
  bool insertProjectIfNone(const Project& project) override;
  bool updateProjectSecret(std::string_view apiKey, std::string_view secret) override;
  bool updateProjectVideoCodec(std::string_view apiKey, std::string_view codec) override;
  void insertSession(const SessionRecord& session) override;
  std::optional<SessionRecord> findSession(std::string_view sessionId) override;
  std::size_t countSessions(std::string_view apiKey) override;

  void insertArchive(const ArchiveRecord& archive) override;
  bool updateArchive(const ArchiveRecord& archive) override;
  std::optional<ArchiveRecord> findArchive(std::string_view apiKey, std::string_view id) override;
  ArchivePage listArchives(std::string_view apiKey, std::string_view sessionId, std::size_t offset,
                           std::size_t count) override;
  bool deleteArchive(std::string_view apiKey, std::string_view id) override;
  std::vector<ArchiveRecord> archivesWithStatus(std::string_view status) override;
  std::optional<std::string> findDemoRoom(std::string_view apiKey, std::string_view room) override;
  std::string bindDemoRoom(std::string_view apiKey, std::string_view room,
                           std::string_view sessionId, std::int64_t createdAtMs) override;
  CallbackRegistration insertCallback(const CallbackRegistration& callback) override;
  std::vector<CallbackRegistration> listCallbacks(std::string_view apiKey) override;
  bool deleteCallback(std::string_view apiKey, std::string_view id) override;
  std::vector<CallbackRegistration> callbacksFor(std::string_view apiKey, std::string_view group,
                                                 std::string_view event) override;
  void enqueueDeliveries(const std::vector<OutboxEntry>& entries) override;
  OpenOutcome enqueueAndOpen(const std::vector<OutboxEntry>& entries,
                             const OpenSubject& subject) override;
  bool enqueueAndClose(const std::vector<OutboxEntry>& entries, std::string_view kind,
                       std::string_view sessionId, std::string_view id) override;
  std::vector<OpenSubject> openSubjects(std::size_t limit) override;
  std::vector<OutboxEntry> dueDeliveries(std::int64_t nowMs, std::size_t limit) override;
  std::vector<OutboxEntry> claimDueDeliveries(std::int64_t nowMs, std::size_t limit,
                                              std::int64_t leaseMs) override;
  std::size_t releaseClaims() override;
  std::size_t countDeliveries() override;
  std::optional<std::int64_t> nextDeliveryAtMs() override;
  bool markDelivered(std::int64_t id) override;
  bool markFailed(std::int64_t id, std::int64_t nextAttemptAtMs, std::string_view error) override;
  bool dropDelivery(std::int64_t id) override;
  std::size_t deferDeliveries(std::string_view url, std::int64_t untilMs) override;

 private:
  void migrate();
  // Inserts `entries` inside the caller's transaction.
  void insertDeliveries(const std::vector<OutboxEntry>& entries);
  // The prepared statement for `sql`, prepared on first use and kept for reuse.
  SqliteStatement& statement(std::string_view sql);
  void close() noexcept;

  sqlite3* db_ = nullptr;
  // Keyed by the SQL text; the keys view string literals, which live for the program.
  std::unordered_map<std::string_view, std::unique_ptr<SqliteStatement>> statements_;
};

}  // namespace parley::store
