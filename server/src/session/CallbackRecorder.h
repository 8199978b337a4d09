#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/Json.h"
#include "session/SessionEventListener.h"
#include "store/Store.h"

namespace parley::session {

// Turns session events into webhook outbox rows: one row per callback URL the project
// registered for the event's group and kind (spec §4.1). Runs on the control thread, so
// it does only a read and, when someone listens, one small write transaction per event;
// the HTTP calls happen on the deliverer's thread, which `nudge` wakes.
class CallbackRecorder final : public SessionEventListener {
 public:
  using Nudge = std::function<void()>;
  using NowMs = std::function<std::int64_t()>;

  // `now` defaults to the wall clock (timestamps in payloads and outbox rows are ms since
  // the epoch, and rows must stay meaningful across restarts).
  CallbackRecorder(store::Store& store, Nudge nudge, NowMs now = {});

  void connectionCreated(const Connection& connection) override;
  void connectionDestroyed(const Connection& connection, const std::string& reason) override;
  void streamCreated(const Stream& stream, const Connection& owner) override;
  void streamDestroyed(const Stream& stream, const Connection& owner,
                       const std::string& reason) override;

 private:
  // Enqueues the payload made by `build` for every matching registration. Storage errors
  // are logged and counted, never thrown: a webhook must not break the session.
  void record(const Connection& subject, std::string_view group, std::string_view event,
              const std::function<core::Json(std::int64_t nowMs)>& build);

  store::Store& store_;
  Nudge nudge_;
  NowMs now_;
};

}  // namespace parley::session
