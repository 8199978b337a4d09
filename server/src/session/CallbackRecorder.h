#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "core/Json.h"
#include "session/SessionEventListener.h"
#include "store/Store.h"

namespace parley::session {

// Turns session events into webhook outbox rows: one row per callback URL the project
// registered for the event's group and kind (docs/protocol.md §4.1). Runs on the control
// thread, so it does only reads and, when someone listens, one small write transaction
// per event; the HTTP calls happen on the deliverer's thread, which `nudge` wakes.
//
// Every event gets an id (UUID v4), in the payload as "eventId" and stored with its rows,
// so receivers can tell a retried delivery from a new event.
//
// A connection or stream whose "destroyed" event someone listens for is recorded as open
// (store::OpenSubject) in the same transaction as its "created" rows, and forgotten in
// the same transaction as its "destroyed" rows. closeOutOpen() turns what is left into
// "destroyed" events: at start for what a killed run left behind, at a clean stop for
// what is still live.
class CallbackRecorder final : public SessionEventListener {
 public:
  using Nudge = std::function<void()>;
  using NowMs = std::function<std::int64_t()>;
  using NewId = std::function<std::string()>;

  // The reason closed-out subjects carry: the OpenTok value for a client lost without a
  // goodbye. "reasonDetail" says why: kShutdown (clean stop) or kFailure (found at start).
  static constexpr std::string_view kClosedOutReason = "networkDisconnected";
  static constexpr std::string_view kShutdown = "serverShutdown";
  static constexpr std::string_view kFailure = "serverFailure";

  // `now` defaults to the wall clock (timestamps in payloads and outbox rows are ms since
  // the epoch, and rows must stay meaningful across restarts); `newId` to UUID v4.
  CallbackRecorder(store::Store& store, Nudge nudge, NowMs now = {}, NewId newId = {});

  void connectionCreated(const Connection& connection) override;
  void connectionDestroyed(const Connection& connection, const std::string& reason) override;
  void streamCreated(const Stream& stream, const Connection& owner) override;
  void streamDestroyed(const Stream& stream, const Connection& owner,
                       const std::string& reason) override;

  // An archive's status changed (docs/protocol.md §4.2): `archiveJson` goes to every URL the
  // project registered for group "archive", event "status".
  void archiveChanged(const std::string& apiKey, const core::Json& archiveJson) {
    statusChanged(apiKey, "archive", archiveJson);
  }
  // A broadcast's status changed: `broadcastJson` goes to group "broadcast", event "status".
  void broadcastChanged(const std::string& apiKey, const core::Json& broadcastJson) {
    statusChanged(apiKey, "broadcast", broadcastJson);
  }

  // Enqueues streamDestroyed / connectionDestroyed for every subject recorded as open
  // (streams first), each with its rows in one transaction with its removal, and returns
  // how many events it enqueued (subjects whose project no longer listens just go).
  // Storage errors are logged; what is left stays for the next call.
  std::size_t closeOutOpen(std::string_view reasonDetail);

 private:
  // A resource's status callback: `json` to every URL registered for (`group`, "status").
  void statusChanged(const std::string& apiKey, const char* group, const core::Json& json);

  using Build = std::function<core::Json(std::int64_t nowMs)>;
  struct Subject {
    std::string_view kind;  // "connection" | "stream"
    const std::string& sessionId;
    const std::string& id;
    const std::string& apiKey;
    std::string proof;  // store::OpenSubject::proof; empty for "destroyed"
  };
  // "created": enqueues for every matching registration, and records the subject as open
  // when its "destroyed" event has listeners. `json` gives the subject's webhook object.
  void opened(const Subject& subject, const Build& build, const std::function<core::Json()>& json);
  // "destroyed": enqueues for every matching registration and forgets the open subject.
  void closed(const Subject& subject, const Build& build);
  // Storage errors are logged and counted, never thrown: a webhook must not break the
  // session.
  void recordError(const Subject& subject, std::string_view event, const std::exception& e);
  std::vector<store::OutboxEntry> entriesFor(const std::vector<store::CallbackRegistration>& to,
                                             const std::string& apiKey, const core::Json& payload,
                                             std::int64_t nowMs);
  static std::string keyOf(const Subject& subject);

  store::Store& store_;
  Nudge nudge_;
  NowMs now_;
  NewId newId_;
  // The subjects recorded as open by this run, so that a "destroyed" event only writes
  // when there is a row to remove. As large as the live connections and streams whose
  // project listens, which SessionLimits and the connection caps bound.
  std::set<std::string, std::less<>> open_;
};

}  // namespace parley::session
