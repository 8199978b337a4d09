#include "webhook/CallbackDeliverer.h"

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "core/Clock.h"
#include "core/ThreadName.h"
#include "obs/Logger.h"
#include "obs/Metrics.h"
#include "store/StoreError.h"
#include "webhook/Signature.h"

namespace parley::webhook {

namespace {

using obs::Logger;

// Passes per wake-up before sleeping again, so a flood of entries cannot starve shutdown
// checks or the pending gauge.
constexpr int kMaxBatchesPerPass = 16;

obs::Metrics::Counter& deliveredCounter() {
  static auto& c = obs::Metrics::instance().counter("parley_callbacks_delivered_total",
                                                    "Webhook POSTs answered with 2xx");
  return c;
}

obs::Metrics::Counter& failedCounter() {
  static auto& c = obs::Metrics::instance().counter(
      "parley_callbacks_failed_attempts_total", "Webhook POSTs that failed and will be retried");
  return c;
}

obs::Metrics::Counter& refusedCounter() {
  static auto& c = obs::Metrics::instance().counter(
      "parley_callbacks_refused_total",
      "Webhooks dropped because their URL resolves to a forbidden address");
  return c;
}

obs::Metrics::Counter& droppedCounter() {
  static auto& c = obs::Metrics::instance().counter("parley_callbacks_dropped_total",
                                                    "Webhooks given up after the last retry");
  return c;
}

std::string describe(const http::HttpClient::Result& result) {
  return result.status != 0 ? "HTTP " + std::to_string(result.status) : result.error;
}

}  // namespace

CallbackDeliverer::CallbackDeliverer(std::unique_ptr<store::Store> store, Settings settings)
    : store_(std::move(store)), settings_(std::move(settings)) {
  if (!settings_.nowMs) settings_.nowMs = [] { return core::Clock::nowMs(); };
  if (!settings_.post) {
    http::HttpClient::Options options;
    options.connectTimeout = settings_.timeout;
    options.exchangeTimeout = settings_.timeout;
    options.refuseAddress = [policy = settings_.addresses](const boost::asio::ip::address& a) {
      return policy.refusal(a);
    };
    client_ = std::make_unique<http::HttpClient>(options);
    settings_.post =
        [this](const store::OutboxEntry& entry, const http::HttpClient::Headers& headers,
               const std::atomic<bool>& cancel) { return postOverHttp(entry, headers, cancel); };
  }
  settings_.batchSize = std::max<std::size_t>(settings_.batchSize, 1);
  // Registered up front so that /metrics shows zeros rather than nothing.
  deliveredCounter();
  failedCounter();
  droppedCounter();
  refusedCounter();
}

CallbackDeliverer::~CallbackDeliverer() {
  stop();
}

void CallbackDeliverer::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  obs::Metrics::instance().gauge("parley_callbacks_pending", "Webhooks waiting in the outbox",
                                 [this] { return double(pending()); });
  thread_ = std::thread([this] {
    core::nameThisThread("webhooks");
    run();
  });
}

void CallbackDeliverer::stop(std::chrono::milliseconds drain) {
  if (drain.count() > 0 && thread_.joinable()) {
    std::unique_lock lock(mutex_);
    // A pass already under way may have read the outbox before the last entries came.
    const std::uint64_t after = passes_;
    nudged_ = true;
    wake_.notify_all();
    passDone_.wait_for(lock, drain, [&] { return passes_ > after && !dueLeft_; });
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    // The gauge reads this object, which may go away after stop().
    obs::Metrics::instance().gauge("parley_callbacks_pending", "Webhooks waiting in the outbox",
                                   {});
  }
}

void CallbackDeliverer::nudge() {
  {
    std::lock_guard lock(mutex_);
    nudged_ = true;
  }
  wake_.notify_one();
}

std::int64_t CallbackDeliverer::claimLeaseMs() const {
  // Long enough for a whole batch of exchanges that each run into the timeout, so a claim
  // never runs out under a delivery still in flight.
  const auto batch = settings_.timeout * static_cast<std::int64_t>(settings_.batchSize);
  return std::chrono::duration_cast<std::chrono::milliseconds>(batch).count() + 30'000;
}

void CallbackDeliverer::releaseClaims() noexcept {
  try {
    store_->releaseClaims();
  } catch (const std::exception& e) {
    Logger::warn("cannot release webhook outbox claims", {{"error", e.what()}});
  }
}

void CallbackDeliverer::run() {
  // Whatever this node claimed before a restart (or a stop mid-batch) is free again.
  releaseClaims();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // Cleared before the pass: a nudge that arrives during it triggers another one.
    nudged_ = false;
    lock.unlock();
    auto wait = settings_.pollInterval;
    bool dueLeft = false;
    try {
      deliverDue();
      pending_ = store_->countDeliveries();
      if (auto next = store_->nextDeliveryAtMs()) {
        const auto untilNext =
            std::chrono::milliseconds(std::max<std::int64_t>(*next - settings_.nowMs(), 0));
        wait = std::min(wait, untilNext);
        dueLeft = untilNext.count() == 0;
      }
    } catch (const std::exception& e) {
      // Most likely the database was busy for longer than the busy timeout; the entries
      // are still there, so the next pass tries again.
      Logger::error("webhook delivery pass failed", {{"error", e.what()}});
      dueLeft = true;
    }
    lock.lock();
    ++passes_;
    dueLeft_ = dueLeft;
    passDone_.notify_all();
    wake_.wait_for(lock, wait, [this] { return stopping_.load() || nudged_; });
  }
  lock.unlock();
  // Entries claimed but not delivered before the stop go back to the other nodes now
  // rather than when the lease runs out.
  releaseClaims();
}

std::size_t CallbackDeliverer::deliverDue() {
  std::size_t posts = 0;
  const std::int64_t started = settings_.nowMs();
  std::erase_if(blockedUntil_, [&](const auto& entry) { return entry.second <= started; });
  for (int batch = 0; batch < kMaxBatchesPerPass && !stopping_; ++batch) {
    const std::int64_t now = settings_.nowMs();
    const std::vector<store::OutboxEntry> due =
        store_->claimDueDeliveries(now, settings_.batchSize, claimLeaseMs());
    for (const store::OutboxEntry& entry : due) {
      if (stopping_) return posts;
      if (auto blocked = blockedUntil_.find(entry.url);
          blocked != blockedUntil_.end() && blocked->second > now) {
        store_->deferDeliveries(entry.url, blocked->second);
        continue;
      }
      http::HttpClient::Result result = settings_.post(entry, signedHeaders(entry), stopping_);
      ++posts;
      // Cut short by stop(): not the receiver's fault, so no attempt is counted; the
      // entry is delivered after the restart.
      if (stopping_ && !result.ok()) return posts;
      if (result.ok()) {
        store_->markDelivered(entry.id);
        blockedUntil_.erase(entry.url);
        deliveredCounter().add();
        Logger::debug(
            "webhook delivered",
            {{"url", entry.url}, {"status", result.status}, {"attempts", entry.attempts + 1}});
      } else {
        handleFailure(entry, result);
      }
    }
    if (due.size() < settings_.batchSize) break;
  }
  return posts;
}

void CallbackDeliverer::handleFailure(const store::OutboxEntry& entry,
                                      const http::HttpClient::Result& result) {
  const int failures = entry.attempts + 1;
  const std::string why = describe(result);
  if (result.refused) {
    // A configuration matter, not a receiver being down: retrying would not help.
    store_->dropDelivery(entry.id);
    refusedCounter().add();
    Logger::error("webhook refused: its URL resolves to an address parleyd does not send to",
                  {{"url", entry.url},
                   {"apiKey", entry.apiKey},
                   {"error", why},
                   {"hint", settings_.addresses.allowsPrivate()
                                ? std::string("unspecified and multicast addresses are never used")
                                : std::string("start parleyd with --allow-private-callbacks to "
                                              "send callbacks to private addresses")}});
    return;
  }
  const auto next = settings_.retry.nextAttemptAt(failures, settings_.nowMs());
  if (!next) {
    store_->dropDelivery(entry.id);
    droppedCounter().add();
    Logger::error(
        "webhook dropped after the last retry",
        {{"url", entry.url}, {"apiKey", entry.apiKey}, {"attempts", failures}, {"error", why}});
    return;
  }
  store_->markFailed(entry.id, *next, why);
  failedCounter().add();
  blockedUntil_[entry.url] = *next;
  store_->deferDeliveries(entry.url, *next);
  Logger::warn("webhook delivery failed; will retry",
               {{"url", entry.url},
                {"attempts", failures},
                {"error", why},
                {"retryInMs", static_cast<long long>(*next - settings_.nowMs())}});
}

http::HttpClient::Headers CallbackDeliverer::signedHeaders(const store::OutboxEntry& entry) {
  // Signed per attempt with the secret of now: a receiver that rotated along with the
  // project verifies with the new one, and the timestamp is the attempt's.
  std::optional<std::string> secret;
  if (auto project = store_->findProject(entry.apiKey)) secret = project->secret;
  const std::string eventId =
      entry.eventId.empty() ? "outbox-" + std::to_string(entry.id) : entry.eventId;
  return Signature::headers(secret, eventId, settings_.nowMs() / 1000, entry.body);
}

http::HttpClient::Result CallbackDeliverer::postOverHttp(const store::OutboxEntry& entry,
                                                         const http::HttpClient::Headers& headers,
                                                         const std::atomic<bool>& cancel) {
  return client_->post(entry.url, entry.body, "application/json", &cancel, headers);
}

}  // namespace parley::webhook
