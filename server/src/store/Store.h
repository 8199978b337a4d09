#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/ArchiveRecord.h"
#include "store/CallbackRegistration.h"
#include "store/OpenSubject.h"
#include "store/OutboxEntry.h"
#include "store/Project.h"
#include "store/SessionRecord.h"

namespace parley::store {

// Durable metadata. SqliteStore is the embedded default (one node); PostgresStore lets
// several nodes share one database, each under its node id, which scopes what a node's
// restart closes out (open subjects, recordings left "started") and outbox claims.
// Every method is atomic: on StoreError nothing was written.
class Store {
 public:
  virtual ~Store() = default;

  virtual std::optional<Project> findProject(std::string_view apiKey) = 0;
  virtual std::vector<Project> listProjects() = 0;
  // Throws StoreError if the key exists.
  virtual void insertProject(const Project& project) = 0;
  // Inserts `project` only if there is no project at all, atomically (nodes starting
  // together on an empty database create one default project); false if there was one.
  virtual bool insertProjectIfNone(const Project& project) = 0;
  // The value stored under `name`, storing `value` first when there is none: whoever comes
  // first wins, and every node sharing the database gets the same (a cluster's URL-signing key).
  virtual std::string settingOrInsert(std::string_view name, std::string_view value) = 0;
  // Returns false when no such project.
  virtual bool updateProjectSecret(std::string_view apiKey, std::string_view secret) = 0;
  // `codec` is "", "vp8", "vp9" or "h264"; returns false when no such project.
  virtual bool updateProjectVideoCodec(std::string_view apiKey, std::string_view codec) = 0;

  // Throws StoreError if the id exists.
  virtual void insertSession(const SessionRecord& session) = 0;
  virtual std::optional<SessionRecord> findSession(std::string_view sessionId) = 0;
  virtual std::size_t countSessions(std::string_view apiKey) = 0;

  // ---- archives ----
  // Throws StoreError if the id exists.
  virtual void insertArchive(const ArchiveRecord& archive) = 0;
  // Replaces everything but the id, project, session and creation time; false when there
  // is no such archive in that project.
  virtual bool updateArchive(const ArchiveRecord& archive) = 0;
  virtual std::optional<ArchiveRecord> findArchive(std::string_view apiKey,
                                                   std::string_view id) = 0;
  // Newest first; `sessionId` empty for all of the project's archives.
  virtual ArchivePage listArchives(std::string_view apiKey, std::string_view sessionId,
                                   std::size_t offset, std::size_t count) = 0;
  virtual bool deleteArchive(std::string_view apiKey, std::string_view id) = 0;
  // Every archive in `status` that this node records or recorded, of any project (a
  // restart finalises those left "started").
  virtual std::vector<ArchiveRecord> archivesWithStatus(std::string_view status) = 0;

  // ---- demo rooms: a room name of the demo app → its session ----
  virtual std::optional<std::string> findDemoRoom(std::string_view apiKey,
                                                  std::string_view room) = 0;
  // Binds `room` to `sessionId` unless the room is bound already; returns the session id
  // that is stored, whoever bound it.
  virtual std::string bindDemoRoom(std::string_view apiKey, std::string_view room,
                                   std::string_view sessionId, std::int64_t createdAtMs) = 0;

  // ---- session-monitoring callbacks (webhooks) ----
  // Registering the same (project, group, event, url) twice keeps the first registration
  // and returns it, so a retried registration does not double every delivery.
  virtual CallbackRegistration insertCallback(const CallbackRegistration& callback) = 0;
  virtual std::vector<CallbackRegistration> listCallbacks(std::string_view apiKey) = 0;
  // Returns false when the project has no callback with that id.
  virtual bool deleteCallback(std::string_view apiKey, std::string_view id) = 0;
  virtual std::vector<CallbackRegistration> callbacksFor(std::string_view apiKey,
                                                         std::string_view group,
                                                         std::string_view event) = 0;

  // ---- webhook outbox ----
  // Inserts all entries (ids ignored) in one transaction.
  virtual void enqueueDeliveries(const std::vector<OutboxEntry>& entries) = 0;
  // Enqueues `entries` and records `subject` as open on this node (replacing a row of
  // this node with its key), in one transaction. A row with its key held by another node
  // moves here instead when it has the same non-empty proof, and nothing is enqueued (a
  // client moving between nodes, docs/cluster.md); with another proof it stays.
  virtual OpenOutcome enqueueAndOpen(const std::vector<OutboxEntry>& entries,
                                     const OpenSubject& subject) = 0;
  // Enqueues `entries` and forgets the open subject with that key, in one transaction, if
  // this node holds it. If not (it moved to another node, or a node that took this one over
  // closed it out) nothing changes and the answer is false.
  virtual bool enqueueAndClose(const std::vector<OutboxEntry>& entries, std::string_view kind,
                               std::string_view sessionId, std::string_view id) = 0;
  // This node's open subjects, streams before connections (a connection's streams end
  // before it), oldest first.
  virtual std::vector<OpenSubject> openSubjects(std::size_t limit) = 0;
  // Entries whose next attempt is due at `nowMs`, earliest first, claimed or not (a look,
  // not a claim).
  virtual std::vector<OutboxEntry> dueDeliveries(std::int64_t nowMs, std::size_t limit) = 0;
  // Claims for this node up to `limit` entries due at `nowMs` that no claim holds (or whose
  // claim ran out), earliest first, for `leaseMs`. Until the lease runs out no other claim
  // returns them, so nodes sharing a database deliver each entry once, and the entries of
  // a node that died mid-delivery are claimed again after the lease. markDelivered,
  // markFailed, dropDelivery and deferDeliveries end a claim.
  virtual std::vector<OutboxEntry> claimDueDeliveries(std::int64_t nowMs, std::size_t limit,
                                                      std::int64_t leaseMs) = 0;
  // Ends every claim this node holds (a restarted deliverer takes up what it left);
  // returns how many.
  virtual std::size_t releaseClaims() = 0;
  virtual std::size_t countDeliveries() = 0;
  // The earliest time any entry can be claimed (its next attempt, or the end of the claim
  // that holds it); nullopt when the outbox is empty.
  virtual std::optional<std::int64_t> nextDeliveryAtMs() = 0;
  // Delivered: the row goes. Returns false when no such row.
  virtual bool markDelivered(std::int64_t id) = 0;
  // Counts a failed attempt and schedules the next one.
  virtual bool markFailed(std::int64_t id, std::int64_t nextAttemptAtMs,
                          std::string_view error) = 0;
  // Given up: the row goes.
  virtual bool dropDelivery(std::int64_t id) = 0;
  // Moves every entry for `url` due before `untilMs` to `untilMs` (unless another node's
  // claim holds it), without counting an attempt: while one delivery to a receiver is
  // failing, the others wait behind it. Returns how many entries moved.
  virtual std::size_t deferDeliveries(std::string_view url, std::int64_t untilMs) = 0;
};

}  // namespace parley::store
