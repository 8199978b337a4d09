#pragma once

#include <string>
#include <string_view>

#include "store/PgConnection.h"
#include "store/Store.h"

namespace parley::store {

// The Store on PostgreSQL, shared by the nodes of a cluster: each instance is one libpq
// connection acting for `nodeId`, which marks the open subjects, recordings and outbox
// claims that are this node's. Opening applies pending migrations (postgresMigrations()).
// Not thread-safe: one owner thread per instance (open another instance per thread).
class PostgresStore final : public Store {
 public:
  // Throws StoreError when the database cannot be reached or its schema is newer than
  // this build knows.
  PostgresStore(const std::string& url, std::string nodeId);

  int schemaVersion();
  static int latestSchemaVersion();
  const std::string& nodeId() const { return nodeId_; }

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
  // Inserts `entries` inside the caller's transaction.
  void insertDeliveries(const std::vector<OutboxEntry>& entries);

  PgConnection connection_;
  std::string nodeId_;
};

}  // namespace parley::store
