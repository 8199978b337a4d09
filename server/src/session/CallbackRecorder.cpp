#include "session/CallbackRecorder.h"

#include <utility>
#include <vector>

#include "core/Clock.h"
#include "core/Crypto.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "session/CallbackPayload.h"
#include "store/StoreError.h"

namespace parley::session {

namespace {

// Subjects closed out per store round trip: bounds memory after a crash with many open.
constexpr std::size_t kCloseOutBatch = 256;

// Only the client holding the token can show it: what lets a moving client's subject change
// node (docs/cluster.md), never a client-chosen id alone.
std::string proofOf(const Connection& connection) {
  return connection.tokenDigest.empty() ? std::string()
                                        : core::Crypto::toHex(connection.tokenDigest);
}

}  // namespace

CallbackRecorder::CallbackRecorder(store::Store& store, Nudge nudge, NowMs now, NewId newId)
    : store_(store), nudge_(std::move(nudge)), now_(std::move(now)), newId_(std::move(newId)) {
  if (!now_) now_ = [] { return core::Clock::nowMs(); };
  if (!newId_) newId_ = [] { return core::Crypto::uuid4(); };
}

void CallbackRecorder::connectionCreated(const Connection& connection) {
  opened(
      {"connection", connection.sessionId, connection.id, connection.apiKey, proofOf(connection)},
      [&](std::int64_t nowMs) { return CallbackPayload::connectionCreated(connection, nowMs); },
      [&] { return connection.toWebhookJson(); });
}

void CallbackRecorder::connectionDestroyed(const Connection& connection,
                                           const std::string& reason) {
  closed({"connection", connection.sessionId, connection.id, connection.apiKey, {}},
         [&](std::int64_t nowMs) {
           return CallbackPayload::connectionDestroyed(connection, reason, nowMs);
         });
}

void CallbackRecorder::streamCreated(const Stream& stream, const Connection& owner) {
  opened(
      {"stream", owner.sessionId, stream.id, owner.apiKey, proofOf(owner)},
      [&](std::int64_t nowMs) { return CallbackPayload::streamCreated(stream, owner, nowMs); },
      [&] { return CallbackPayload::streamJson(stream, owner); });
}

void CallbackRecorder::streamDestroyed(const Stream& stream, const Connection& owner,
                                       const std::string& reason) {
  closed({"stream", owner.sessionId, stream.id, owner.apiKey, {}}, [&](std::int64_t nowMs) {
    return CallbackPayload::streamDestroyed(stream, owner, reason, nowMs);
  });
}

std::string CallbackRecorder::keyOf(const Subject& subject) {
  std::string key(subject.kind);
  // Kind and session id (an issued one) hold no NUL: unambiguous whatever the id holds.
  key.push_back('\0');
  key += subject.sessionId;
  key.push_back('\0');
  key += subject.id;
  return key;
}

void CallbackRecorder::statusChanged(const std::string& apiKey, const char* group,
                                     const core::Json& json) {
  try {
    const auto callbacks = store_.callbacksFor(apiKey, group, "status");
    if (callbacks.empty()) return;
    const std::int64_t nowMs = now_();
    store_.enqueueDeliveries(entriesFor(callbacks, apiKey, json, nowMs));
  } catch (const std::exception& e) {
    obs::Logger::error(std::string(group) + " callback not recorded",
                       {{"id", json.getString("id").value_or("")}, {"error", e.what()}});
    return;
  }
  if (nudge_) nudge_();
}

std::vector<store::OutboxEntry> CallbackRecorder::entriesFor(
    const std::vector<store::CallbackRegistration>& to, const std::string& apiKey,
    const core::Json& payload, std::int64_t nowMs) {
  std::vector<store::OutboxEntry> entries;
  if (to.empty()) return entries;
  core::Json withId = payload;
  const std::string eventId = newId_();
  withId.set("eventId", eventId);
  const std::string body = withId.dump();
  entries.reserve(to.size());
  for (const auto& callback : to) {
    store::OutboxEntry entry;
    entry.apiKey = apiKey;
    entry.url = callback.url;
    entry.body = body;
    entry.eventId = eventId;
    entry.nextAttemptAtMs = nowMs;
    entry.createdAtMs = nowMs;
    entries.push_back(std::move(entry));
  }
  return entries;
}

void CallbackRecorder::opened(const Subject& subject, const Build& build,
                              const std::function<core::Json()>& json) {
  try {
    // A read never waits for the deliverer's writes (WAL), and most projects register
    // nothing, so the common case costs two indexed look-ups and no write.
    const auto callbacks = store_.callbacksFor(subject.apiKey, subject.kind, "created");
    const bool track = !store_.callbacksFor(subject.apiKey, subject.kind, "destroyed").empty();
    if (callbacks.empty() && !track) return;
    const std::int64_t nowMs = now_();
    const auto entries = callbacks.empty()
                             ? std::vector<store::OutboxEntry>{}
                             : entriesFor(callbacks, subject.apiKey, build(nowMs), nowMs);
    if (track) {
      const auto outcome = store_.enqueueAndOpen(
          entries, store::OpenSubject{std::string(subject.kind), subject.sessionId, subject.id,
                                      subject.apiKey, json().dump(), nowMs, subject.proof});
      if (outcome != store::OpenOutcome::Conflict) open_.insert(keyOf(subject));
      if (outcome == store::OpenOutcome::MovedIn) {
        obs::Logger::info("webhooks: a moving client's subject came to this node",
                          {{"sessionId", subject.sessionId}, {"kind", subject.kind}});
        return;
      }
    } else {
      store_.enqueueDeliveries(entries);
    }
    if (entries.empty()) return;
  } catch (const store::StoreError& e) {
    recordError(subject, "created", e);
    return;
  }
  if (nudge_) nudge_();
}

void CallbackRecorder::closed(const Subject& subject, const Build& build) {
  try {
    const auto callbacks = store_.callbacksFor(subject.apiKey, subject.kind, "destroyed");
    const auto tracked = open_.find(keyOf(subject));
    if (callbacks.empty() && tracked == open_.end()) return;
    const std::int64_t nowMs = now_();
    const auto entries = entriesFor(callbacks, subject.apiKey, build(nowMs), nowMs);
    if (tracked != open_.end()) {
      open_.erase(tracked);
      // Not held here any more: another node sends its "destroyed" (the client moved there,
      // or that node took this one over and closed it out).
      if (!store_.enqueueAndClose(entries, subject.kind, subject.sessionId, subject.id)) return;
    } else {
      store_.enqueueDeliveries(entries);
    }
    if (entries.empty()) return;
  } catch (const store::StoreError& e) {
    recordError(subject, "destroyed", e);
    return;
  }
  if (nudge_) nudge_();
}

std::size_t CallbackRecorder::closeOutOpen(std::string_view reasonDetail) {
  std::size_t closedOut = 0;
  std::size_t events = 0;
  try {
    for (;;) {
      const auto batch = store_.openSubjects(kCloseOutBatch);
      if (batch.empty()) break;
      for (const store::OpenSubject& subject : batch) {
        const auto callbacks = store_.callbacksFor(subject.apiKey, subject.kind, "destroyed");
        const std::int64_t nowMs = now_();
        const auto entries =
            entriesFor(callbacks, subject.apiKey,
                       CallbackPayload::closedOut(subject, std::string(kClosedOutReason),
                                                  std::string(reasonDetail), nowMs),
                       nowMs);
        store_.enqueueAndClose(entries, subject.kind, subject.sessionId, subject.id);
        open_.erase(keyOf({subject.kind, subject.sessionId, subject.id, subject.apiKey, {}}));
        events += entries.empty() ? 0 : 1;
        ++closedOut;
      }
    }
  } catch (const store::StoreError& e) {
    obs::Logger::error("cannot close out open connections and streams",
                       {{"closed", static_cast<long long>(closedOut)}, {"error", e.what()}});
  }
  if (closedOut > 0) {
    obs::Logger::info("webhooks: closed out connections and streams left open",
                      {{"subjects", static_cast<long long>(closedOut)},
                       {"events", static_cast<long long>(events)},
                       {"reasonDetail", reasonDetail}});
  }
  if (events > 0 && nudge_) nudge_();
  return events;
}

void CallbackRecorder::recordError(const Subject& subject, std::string_view event,
                                   const std::exception& e) {
  obs::Logger::error("cannot record webhook", {{"sessionId", subject.sessionId},
                                               {"group", subject.kind},
                                               {"event", event},
                                               {"error", e.what()}});
  obs::Metrics::instance()
      .counter("parley_callbacks_record_errors_total",
               "Session events whose webhooks could not be stored")
      .add();
}

}  // namespace parley::session
