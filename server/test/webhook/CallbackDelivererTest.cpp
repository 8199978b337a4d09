#include "webhook/CallbackDeliverer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "../store/TempDirectory.h"
#include "core/Base64.h"
#include "store/SqliteStore.h"
#include "webhook/Signature.h"

namespace parley::webhook {
namespace {

using http::HttpClient;
using std::chrono::milliseconds;

store::OutboxEntry entryFor(std::string url, std::string body, std::int64_t dueAt) {
  store::OutboxEntry entry;
  entry.apiKey = "1111";
  entry.url = std::move(url);
  entry.body = std::move(body);
  entry.nextAttemptAtMs = dueAt;
  entry.createdAtMs = dueAt;
  return entry;
}

class CallbackDelivererTest : public ::testing::Test {
 protected:
  // The test's own connection to the file; the deliverer gets another, as in parleyd.
  CallbackDelivererTest() : path_(dir_.file("parley.db")), store_(path_) {}

  std::unique_ptr<CallbackDeliverer> makeDeliverer(int maxAttempts = 3) {
    CallbackDeliverer::Settings settings;
    settings.retry = RetryPolicy{milliseconds(100), milliseconds(1000), maxAttempts};
    settings.nowMs = [this] { return now_.load(); };
    settings.post = [this](const store::OutboxEntry& entry, const HttpClient::Headers& headers,
                           const std::atomic<bool>&) {
      posted_.push_back(entry.url + " " + entry.body);
      headers_.push_back(headers);
      auto it = answers_.find(entry.url);
      return it == answers_.end() ? HttpClient::Result{200, ""} : it->second;
    };
    return std::make_unique<CallbackDeliverer>(std::make_unique<store::SqliteStore>(path_),
                                               std::move(settings));
  }

  store::test::TempDirectory dir_;
  std::string path_;
  store::SqliteStore store_;
  std::atomic<std::int64_t> now_{10'000};
  std::vector<std::string> posted_;
  std::vector<HttpClient::Headers> headers_;
  std::map<std::string, HttpClient::Result> answers_;
};

TEST_F(CallbackDelivererTest, DeliversWhatIsDueAndDeletesIt) {
  store_.enqueueDeliveries({entryFor("http://a/", "1", 10'000), entryFor("http://b/", "2", 9'000),
                            entryFor("http://c/", "3", 20'000)});
  auto deliverer = makeDeliverer();
  EXPECT_EQ(deliverer->deliverDue(), 2u);
  EXPECT_EQ(posted_, (std::vector<std::string>{"http://b/ 2", "http://a/ 1"}));
  EXPECT_EQ(store_.countDeliveries(), 1u);
  EXPECT_EQ(deliverer->deliverDue(), 0u);
  now_ = 20'000;
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  EXPECT_EQ(store_.countDeliveries(), 0u);
}

TEST_F(CallbackDelivererTest, FailureIsRetriedWithBackoffThenDelivered) {
  store_.enqueueDeliveries({entryFor("http://down/", "x", 10'000)});
  answers_["http://down/"] = HttpClient::Result{500, ""};
  auto deliverer = makeDeliverer(5);
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  auto row = store_.dueDeliveries(1'000'000, 10).at(0);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_EQ(row.nextAttemptAtMs, 10'100);
  EXPECT_EQ(row.lastError, "HTTP 500");

  now_ = 10'099;
  EXPECT_EQ(deliverer->deliverDue(), 0u);
  now_ = 10'100;
  answers_["http://down/"] = HttpClient::Result{0, "connect: Connection refused"};
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  row = store_.dueDeliveries(1'000'000, 10).at(0);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.nextAttemptAtMs, 10'300);
  EXPECT_EQ(row.lastError, "connect: Connection refused");

  now_ = 10'300;
  answers_["http://down/"] = HttpClient::Result{204, ""};
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  EXPECT_EQ(store_.countDeliveries(), 0u);
}

TEST_F(CallbackDelivererTest, GivesUpAfterTheLastAttempt) {
  store_.enqueueDeliveries({entryFor("http://gone/", "x", 10'000)});
  answers_["http://gone/"] = HttpClient::Result{404, ""};
  auto deliverer = makeDeliverer(3);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    now_ = now_ + 10'000;
    EXPECT_EQ(deliverer->deliverDue(), 1u) << attempt;
  }
  EXPECT_EQ(store_.countDeliveries(), 0u);
  EXPECT_EQ(posted_.size(), 3u);
}

TEST_F(CallbackDelivererTest, LaterEntriesForAFailingUrlWaitBehindIt) {
  store_.enqueueDeliveries(
      {entryFor("http://down/", "1", 10'000), entryFor("http://down/", "2", 10'000),
       entryFor("http://up/", "3", 10'000), entryFor("http://down/", "4", 10'000)});
  answers_["http://down/"] = HttpClient::Result{503, ""};
  auto deliverer = makeDeliverer(5);
  EXPECT_EQ(deliverer->deliverDue(), 2u);
  EXPECT_EQ(posted_, (std::vector<std::string>{"http://down/ 1", "http://up/ 3"}));
  // All three wait for the retry time; only the first counted an attempt.
  auto rows = store_.dueDeliveries(1'000'000, 10);
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) EXPECT_EQ(row.nextAttemptAtMs, 10'100);
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(rows[1].attempts, 0);

  // A new event for the blocked URL also waits.
  store_.enqueueDeliveries({entryFor("http://down/", "5", 10'050)});
  now_ = 10'050;
  EXPECT_EQ(deliverer->deliverDue(), 0u);

  // The receiver is back: everything goes, oldest first.
  answers_.clear();
  posted_.clear();
  now_ = 10'100;
  EXPECT_EQ(deliverer->deliverDue(), 4u);
  EXPECT_EQ(posted_, (std::vector<std::string>{"http://down/ 1", "http://down/ 2", "http://down/ 4",
                                               "http://down/ 5"}));
  EXPECT_EQ(store_.countDeliveries(), 0u);
}

TEST_F(CallbackDelivererTest, LargeBacklogIsWorkedThroughInBatches) {
  std::vector<store::OutboxEntry> entries;
  for (int i = 0; i < 100; ++i) entries.push_back(entryFor("http://a/", std::to_string(i), 10'000));
  store_.enqueueDeliveries(entries);
  auto deliverer = makeDeliverer();
  EXPECT_EQ(deliverer->deliverDue(), 100u);
  EXPECT_EQ(posted_.front(), "http://a/ 0");
  EXPECT_EQ(posted_.back(), "http://a/ 99");
}

TEST_F(CallbackDelivererTest, ThreadDeliversOnNudgeAndStopsWhileAReceiverHangs) {
  std::atomic<int> posts{0};
  std::atomic<bool> hang{false};
  CallbackDeliverer::Settings settings;
  settings.pollInterval = milliseconds(60'000);  // only a nudge can wake it in time
  settings.post = [&](const store::OutboxEntry&, const HttpClient::Headers&,
                      const std::atomic<bool>& cancel) {
    ++posts;
    while (hang && !cancel) std::this_thread::sleep_for(milliseconds(5));
    return hang ? HttpClient::Result{0, "cancelled"} : HttpClient::Result{200, ""};
  };
  CallbackDeliverer deliverer(std::make_unique<store::SqliteStore>(path_), std::move(settings));
  deliverer.start();

  auto waitFor = [](auto condition) {
    for (int i = 0; i < 400 && !condition(); ++i) std::this_thread::sleep_for(milliseconds(10));
    return condition();
  };
  store_.enqueueDeliveries({entryFor("http://a/", "1", 0)});
  deliverer.nudge();
  EXPECT_TRUE(waitFor([&] { return store_.countDeliveries() == 0; }));
  EXPECT_TRUE(waitFor([&] { return deliverer.pending() == 0; }));
  EXPECT_EQ(posts, 1);

  hang = true;
  store_.enqueueDeliveries({entryFor("http://hangs/", "2", 0)});
  deliverer.nudge();
  EXPECT_TRUE(waitFor([&] { return posts == 2; }));
  const auto started = std::chrono::steady_clock::now();
  deliverer.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));
  // Interrupted by shutdown: kept as it was, for the next run.
  auto rows = store_.dueDeliveries(std::numeric_limits<std::int64_t>::max(), 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].attempts, 0);
}

// Over real HTTP (no `post` override): the address rule is applied to what the URL's
// host resolves to when the POST is made, whatever was checked at registration.
TEST_F(CallbackDelivererTest, AnEntryForAForbiddenAddressIsDroppedWithoutAConnection) {
  store_.enqueueDeliveries({entryFor("http://127.0.0.1:9/hook", "{}", 10'000),
                            entryFor("http://[::ffff:169.254.169.254]:80/latest", "{}", 10'000)});
  CallbackDeliverer::Settings settings;
  settings.nowMs = [this] { return now_.load(); };
  settings.timeout = milliseconds(300);
  CallbackDeliverer deliverer(std::make_unique<store::SqliteStore>(path_), std::move(settings));
  EXPECT_EQ(deliverer.deliverDue(), 2u);
  // Refused, not failed: nothing left to retry.
  EXPECT_EQ(store_.countDeliveries(), 0u);
}

TEST_F(CallbackDelivererTest, AllowingPrivateAddressesMakesThemOrdinaryReceivers) {
  store_.enqueueDeliveries({entryFor("http://127.0.0.1:9/hook", "{}", 10'000)});
  CallbackDeliverer::Settings settings;
  settings.nowMs = [this] { return now_.load(); };
  settings.timeout = milliseconds(300);
  settings.addresses = AddressPolicy(true);
  CallbackDeliverer deliverer(std::make_unique<store::SqliteStore>(path_), std::move(settings));
  EXPECT_EQ(deliverer.deliverDue(), 1u);
  // Port 9 (discard) has no listener here: an ordinary failed attempt, kept for a retry.
  auto rows = store_.dueDeliveries(std::numeric_limits<std::int64_t>::max(), 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].attempts, 1);
  EXPECT_EQ(rows[0].lastError.find("refused:"), std::string::npos) << rows[0].lastError;
}

std::string headerOf(const HttpClient::Headers& headers, const std::string& name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return {};
}

TEST_F(CallbackDelivererTest, EveryAttemptCarriesTheEventIdAndAFreshSignature) {
  store_.insertProject({"1111", "project-secret-0123456789", "p", 1});
  auto entry = entryFor("http://flaky/", R"({"event":"connectionCreated"})", 10'000);
  entry.eventId = "4f0c2a52-8a5e-4d1c-9d8e-1b2a3c4d5e6f";
  store_.enqueueDeliveries({entry});
  answers_["http://flaky/"] = HttpClient::Result{503, ""};
  auto deliverer = makeDeliverer(5);
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  answers_.clear();
  now_ = 25'000;
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  ASSERT_EQ(headers_.size(), 2u);
  const std::int64_t times[] = {10, 25};
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(headerOf(headers_[i], "webhook-id"), entry.eventId);
    EXPECT_EQ(headerOf(headers_[i], "webhook-timestamp"), std::to_string(times[i]));
    EXPECT_EQ(headerOf(headers_[i], "webhook-signature"),
              Signature::sign("project-secret-0123456789", entry.eventId, times[i], entry.body));
  }
}

TEST_F(CallbackDelivererTest, RowsWithoutAnEventIdGetOneFromTheirRow) {
  store_.enqueueDeliveries({entryFor("http://a/", "{}", 10'000)});  // as before schema 4
  auto deliverer = makeDeliverer();
  EXPECT_EQ(deliverer->deliverDue(), 1u);
  ASSERT_EQ(headers_.size(), 1u);
  EXPECT_EQ(headerOf(headers_[0], "webhook-id").rfind("outbox-", 0), 0u);
  // No project 1111 in this store: unsigned, never signed with something else.
  EXPECT_EQ(headerOf(headers_[0], "webhook-signature"), "");
}

TEST_F(CallbackDelivererTest, StopWithADrainDeliversWhatIsDueFirst) {
  std::atomic<int> posts{0};
  CallbackDeliverer::Settings settings;
  settings.pollInterval = milliseconds(60'000);  // only the drain's nudge can wake it
  settings.post = [&](const store::OutboxEntry&, const HttpClient::Headers&,
                      const std::atomic<bool>&) {
    ++posts;
    return HttpClient::Result{200, ""};
  };
  CallbackDeliverer deliverer(std::make_unique<store::SqliteStore>(path_), std::move(settings));
  deliverer.start();
  // Written at shutdown, after the thread went to sleep, with no nudge.
  store_.enqueueDeliveries({entryFor("http://a/", "1", 0), entryFor("http://b/", "2", 0),
                            entryFor("http://c/", "3", 0)});
  deliverer.stop(milliseconds(30'000));
  EXPECT_EQ(posts, 3);
  EXPECT_EQ(store_.countDeliveries(), 0u);
}

TEST(SignatureTest, MatchesTheStandardWebhooksReferenceVector) {
  // The Standard Webhooks specification's example: its secret, base64 after "whsec_",
  // is the raw key.
  const std::string key = *core::Base64::decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(
      Signature::sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})"),
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  const auto headers = Signature::headers(std::string("k"), "id-1", 5, "{}");
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[0], (std::pair<std::string, std::string>{"webhook-id", "id-1"}));
  EXPECT_EQ(headers[1], (std::pair<std::string, std::string>{"webhook-timestamp", "5"}));
  EXPECT_EQ(headers[2].first, "webhook-signature");
  EXPECT_EQ(Signature::headers(std::nullopt, "id-1", 5, "{}").size(), 2u);
}

}  // namespace
}  // namespace parley::webhook
