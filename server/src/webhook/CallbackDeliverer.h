#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "http/HttpClient.h"
#include "store/OutboxEntry.h"
#include "store/Store.h"
#include "webhook/AddressPolicy.h"
#include "webhook/RetryPolicy.h"

namespace parley::webhook {

// Delivers the webhook outbox on its own thread, with its own Store (SQLite connections
// are not shared across threads): POSTs each due entry, deletes it on 2xx, otherwise
// reschedules it by the RetryPolicy and drops it once the policy gives up. Entries
// survive restarts; whatever is due is delivered soon after start(). Redirects are not
// followed (a 3xx is a failed attempt), and an entry whose host resolves to an address
// the AddressPolicy refuses is dropped without retries.
class CallbackDeliverer {
 public:
  // `headers`: the event id and signature headers (webhook::Signature) of this attempt.
  using Post = std::function<http::HttpClient::Result(const store::OutboxEntry& entry,
                                                      const http::HttpClient::Headers& headers,
                                                      const std::atomic<bool>& cancel)>;

  struct Settings {
    RetryPolicy retry;
    // Upper bound on the sleep between passes; nudge() and due retries wake it sooner.
    std::chrono::milliseconds pollInterval{500};
    std::chrono::milliseconds timeout{5000};  // connect, and then the rest of the exchange
    std::size_t batchSize = 32;
    // Where the HTTP POST may connect: checked on the addresses the host resolves to at
    // each attempt, and those are the ones connected to. A refused entry is dropped.
    AddressPolicy addresses{};
    Post post;                            // empty → HTTP POST with HttpClient
    std::function<std::int64_t()> nowMs;  // empty → wall clock
  };

  // `store` is used only by this deliverer (its thread once started).
  CallbackDeliverer(std::unique_ptr<store::Store> store, Settings settings);
  ~CallbackDeliverer();
  CallbackDeliverer(const CallbackDeliverer&) = delete;
  CallbackDeliverer& operator=(const CallbackDeliverer&) = delete;

  void start();
  // Wakes the thread and joins it; an HTTP exchange in flight is cancelled and its entry
  // stays in the outbox as it was. Safe to call twice. With `drain`, first gives the
  // thread up to that long to deliver what is due now (the events of a clean shutdown);
  // it stops sooner once a pass leaves nothing due.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));
  // New entries were enqueued: deliver now rather than at the next poll. Any thread.
  void nudge();

  // Entries in the outbox as of the last pass.
  std::size_t pending() const { return pending_.load(std::memory_order_relaxed); }

  // One delivery pass over what is due now; returns how many POSTs it made. The thread
  // runs it; tests call it directly without start().
  std::size_t deliverDue();

 private:
  void run();
  std::int64_t claimLeaseMs() const;
  void releaseClaims() noexcept;
  http::HttpClient::Result postOverHttp(const store::OutboxEntry& entry,
                                        const http::HttpClient::Headers& headers,
                                        const std::atomic<bool>& cancel);
  void handleFailure(const store::OutboxEntry& entry, const http::HttpClient::Result& result);
  // webhook-id, webhook-timestamp and webhook-signature for this attempt.
  http::HttpClient::Headers signedHeaders(const store::OutboxEntry& entry);

  std::unique_ptr<store::Store> store_;
  Settings settings_;
  std::unique_ptr<http::HttpClient> client_;
  // Receivers whose last delivery failed, until their retry time: later entries for the
  // same URL wait behind the failed one instead of each paying for a timeout.
  std::map<std::string, std::int64_t, std::less<>> blockedUntil_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool nudged_ = false;
  // Guarded by mutex_: passes finished, and whether the last one left entries due.
  std::uint64_t passes_ = 0;
  bool dueLeft_ = false;
  std::condition_variable passDone_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> pending_{0};
  std::thread thread_;
};

}  // namespace parley::webhook
