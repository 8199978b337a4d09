#include "session/CallbackRecorder.h"

#include <utility>
#include <vector>

#include "core/Clock.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "session/CallbackPayload.h"
#include "store/StoreError.h"

namespace parley::session {

CallbackRecorder::CallbackRecorder(store::Store& store, Nudge nudge, NowMs now)
    : store_(store), nudge_(std::move(nudge)), now_(std::move(now)) {
  if (!now_) now_ = [] { return core::Clock::nowMs(); };
}

void CallbackRecorder::connectionCreated(const Connection& connection) {
  record(connection, "connection", "created",
         [&](std::int64_t nowMs) { return CallbackPayload::connectionCreated(connection, nowMs); });
}

void CallbackRecorder::connectionDestroyed(const Connection& connection,
                                           const std::string& reason) {
  record(connection, "connection", "destroyed", [&](std::int64_t nowMs) {
    return CallbackPayload::connectionDestroyed(connection, reason, nowMs);
  });
}

void CallbackRecorder::streamCreated(const Stream& stream, const Connection& owner) {
  record(owner, "stream", "created",
         [&](std::int64_t nowMs) { return CallbackPayload::streamCreated(stream, owner, nowMs); });
}

void CallbackRecorder::streamDestroyed(const Stream& stream, const Connection& owner,
                                       const std::string& reason) {
  record(owner, "stream", "destroyed", [&](std::int64_t nowMs) {
    return CallbackPayload::streamDestroyed(stream, owner, reason, nowMs);
  });
}

void CallbackRecorder::record(const Connection& subject, std::string_view group,
                              std::string_view event,
                              const std::function<core::Json(std::int64_t nowMs)>& build) {
  try {
    // A read never waits for the deliverer's writes (WAL), and most projects register
    // nothing, so the common case costs one indexed look-up and no write.
    auto callbacks = store_.callbacksFor(subject.apiKey, group, event);
    if (callbacks.empty()) return;
    const std::int64_t nowMs = now_();
    const std::string body = build(nowMs).dump();
    std::vector<store::OutboxEntry> entries;
    entries.reserve(callbacks.size());
    for (const auto& callback : callbacks) {
      store::OutboxEntry entry;
      entry.apiKey = subject.apiKey;
      entry.url = callback.url;
      entry.body = body;
      entry.nextAttemptAtMs = nowMs;
      entry.createdAtMs = nowMs;
      entries.push_back(std::move(entry));
    }
    store_.enqueueDeliveries(entries);
  } catch (const store::StoreError& e) {
    obs::Logger::error("cannot record webhook", {{"sessionId", subject.sessionId},
                                                 {"group", group},
                                                 {"event", event},
                                                 {"error", e.what()}});
    obs::Metrics::instance()
        .counter("parley_callbacks_record_errors_total",
                 "Session events whose webhooks could not be stored")
        .add();
    return;
  }
  if (nudge_) nudge_();
}

}  // namespace parley::session
