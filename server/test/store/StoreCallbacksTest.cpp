// The stores' webhook tables, on SQLite and on PostgreSQL: callback registrations, the
// delivery outbox and its claims, open subjects.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "TestStores.h"
#include "store/StoreError.h"

namespace parley::store {
namespace {

using test::Backend;

CallbackRegistration makeCallback(std::string id, std::string group, std::string event,
                                  std::string url, std::string apiKey = "1234",
                                  std::int64_t at = 100) {
  return CallbackRegistration{std::move(id),    std::move(apiKey), std::move(group),
                              std::move(event), std::move(url),    at};
}

OutboxEntry makeEntry(std::string url, std::int64_t dueAt, std::string body = "{}") {
  OutboxEntry entry;
  entry.apiKey = "1234";
  entry.url = std::move(url);
  entry.body = std::move(body);
  entry.nextAttemptAtMs = dueAt;
  entry.createdAtMs = dueAt;
  return entry;
}

std::vector<std::string> idsOf(const std::vector<CallbackRegistration>& callbacks) {
  std::vector<std::string> ids;
  for (const auto& c : callbacks) ids.push_back(c.id);
  return ids;
}

std::vector<std::string> urlsOf(const std::vector<OutboxEntry>& entries) {
  std::vector<std::string> urls;
  for (const auto& e : entries) urls.push_back(e.url);
  return urls;
}

class StoreCallbacksTest : public test::StoreTest {
 protected:
  StoreCallbacksTest() {
    store_->insertProject({"1234", "secret", "one", 1});
    store_->insertProject({"5678", "secret", "two", 1});
  }
};
PARLEY_STORE_BACKENDS(StoreCallbacksTest);

// --- registrations ---

TEST_P(StoreCallbacksTest, InsertListAndFindByGroupAndEvent) {
  auto a =
      store_->insertCallback(makeCallback("a", "connection", "created", "http://x/1", "1234", 10));
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.url, "http://x/1");
  EXPECT_EQ(a.createdAtMs, 10);
  store_->insertCallback(makeCallback("b", "stream", "destroyed", "http://x/2", "1234", 20));
  store_->insertCallback(makeCallback("c", "connection", "created", "http://x/3", "1234", 30));
  store_->insertCallback(makeCallback("d", "connection", "created", "http://y/1", "5678", 5));

  EXPECT_EQ(idsOf(store_->listCallbacks("1234")), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(idsOf(store_->listCallbacks("5678")), (std::vector<std::string>{"d"}));
  EXPECT_TRUE(store_->listCallbacks("9999").empty());
  EXPECT_EQ(idsOf(store_->callbacksFor("1234", "connection", "created")),
            (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(idsOf(store_->callbacksFor("1234", "stream", "destroyed")),
            (std::vector<std::string>{"b"}));
  EXPECT_TRUE(store_->callbacksFor("1234", "stream", "created").empty());

  const auto listed = store_->listCallbacks("1234");
  EXPECT_EQ(listed[1].apiKey, "1234");
  EXPECT_EQ(listed[1].group, "stream");
  EXPECT_EQ(listed[1].event, "destroyed");
}

TEST_P(StoreCallbacksTest, SameTargetTwiceKeepsTheFirstRegistration) {
  store_->insertCallback(makeCallback("first", "stream", "created", "http://x/", "1234", 10));
  auto again =
      store_->insertCallback(makeCallback("second", "stream", "created", "http://x/", "1234", 99));
  EXPECT_EQ(again.id, "first");
  EXPECT_EQ(again.createdAtMs, 10);
  EXPECT_EQ(store_->listCallbacks("1234").size(), 1u);
  // Another event or URL is another registration.
  store_->insertCallback(makeCallback("third", "stream", "destroyed", "http://x/", "1234"));
  store_->insertCallback(makeCallback("fourth", "stream", "created", "http://x/other", "1234"));
  EXPECT_EQ(store_->listCallbacks("1234").size(), 3u);
}

TEST_P(StoreCallbacksTest, RefusesUnknownProjectAndBadGroupOrEvent) {
  EXPECT_THROW(
      store_->insertCallback(makeCallback("x", "connection", "created", "http://x/", "9999")),
      StoreError);
  EXPECT_THROW(store_->insertCallback(makeCallback("y", "archive", "created", "http://x/")),
               StoreError);
  EXPECT_THROW(store_->insertCallback(makeCallback("z", "stream", "updated", "http://x/")),
               StoreError);
  EXPECT_TRUE(store_->listCallbacks("1234").empty());
}

TEST_P(StoreCallbacksTest, DeleteOnlyWithinTheProject) {
  store_->insertCallback(makeCallback("a", "connection", "created", "http://x/"));
  EXPECT_FALSE(store_->deleteCallback("5678", "a"));
  EXPECT_FALSE(store_->deleteCallback("1234", "nope"));
  EXPECT_TRUE(store_->deleteCallback("1234", "a"));
  EXPECT_FALSE(store_->deleteCallback("1234", "a"));
  EXPECT_TRUE(store_->listCallbacks("1234").empty());
}

// --- outbox ---

TEST_P(StoreCallbacksTest, DueDeliveriesInScheduleOrderWithLimit) {
  store_->enqueueDeliveries({makeEntry("http://late/", 300), makeEntry("http://early/", 100),
                             makeEntry("http://mid/", 200)});
  EXPECT_EQ(store_->countDeliveries(), 3u);
  EXPECT_EQ(store_->nextDeliveryAtMs(), 100);
  EXPECT_TRUE(store_->dueDeliveries(99, 10).empty());
  EXPECT_EQ(urlsOf(store_->dueDeliveries(200, 10)),
            (std::vector<std::string>{"http://early/", "http://mid/"}));
  EXPECT_EQ(urlsOf(store_->dueDeliveries(1000, 2)),
            (std::vector<std::string>{"http://early/", "http://mid/"}));

  auto entry = store_->dueDeliveries(100, 1).at(0);
  EXPECT_GT(entry.id, 0);
  EXPECT_EQ(entry.apiKey, "1234");
  EXPECT_EQ(entry.body, "{}");
  EXPECT_EQ(entry.attempts, 0);
  EXPECT_EQ(entry.createdAtMs, 100);
  EXPECT_EQ(entry.lastError, "");
}

TEST_P(StoreCallbacksTest, EmptyOutbox) {
  EXPECT_EQ(store_->countDeliveries(), 0u);
  EXPECT_EQ(store_->nextDeliveryAtMs(), std::nullopt);
  EXPECT_TRUE(store_->dueDeliveries(1'000'000, 10).empty());
  store_->enqueueDeliveries({});
  EXPECT_EQ(store_->countDeliveries(), 0u);
}

TEST_P(StoreCallbacksTest, MarkFailedCountsAndReschedules) {
  store_->enqueueDeliveries({makeEntry("http://x/", 100)});
  const auto id = store_->dueDeliveries(100, 1).at(0).id;
  EXPECT_TRUE(store_->markFailed(id, 2000, "HTTP 500"));
  EXPECT_TRUE(store_->dueDeliveries(1999, 10).empty());
  auto again = store_->dueDeliveries(2000, 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 1);
  EXPECT_EQ(again[0].nextAttemptAtMs, 2000);
  EXPECT_EQ(again[0].lastError, "HTTP 500");
  EXPECT_TRUE(store_->markFailed(id, 5000, "connect: refused"));
  EXPECT_EQ(store_->dueDeliveries(5000, 10).at(0).attempts, 2);
  EXPECT_FALSE(store_->markFailed(id + 100, 1, "x"));
}

TEST_P(StoreCallbacksTest, DeliveredAndDroppedRowsGo) {
  store_->enqueueDeliveries({makeEntry("http://a/", 1), makeEntry("http://b/", 2)});
  auto due = store_->dueDeliveries(10, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_TRUE(store_->markDelivered(due[0].id));
  EXPECT_FALSE(store_->markDelivered(due[0].id));
  EXPECT_TRUE(store_->dropDelivery(due[1].id));
  EXPECT_FALSE(store_->dropDelivery(due[1].id));
  EXPECT_EQ(store_->countDeliveries(), 0u);
}

TEST_P(StoreCallbacksTest, DeferMovesOnlyEarlierEntriesOfThatUrl) {
  store_->enqueueDeliveries({makeEntry("http://down/", 10), makeEntry("http://down/", 20),
                             makeEntry("http://down/", 900), makeEntry("http://up/", 10)});
  EXPECT_EQ(store_->deferDeliveries("http://down/", 500), 2u);
  EXPECT_EQ(urlsOf(store_->dueDeliveries(499, 10)), (std::vector<std::string>{"http://up/"}));
  auto due = store_->dueDeliveries(500, 10);
  EXPECT_EQ(due.size(), 3u);
  for (const auto& e : due) EXPECT_EQ(e.attempts, 0);
  EXPECT_EQ(store_->dueDeliveries(900, 10).size(), 4u);
}

TEST_P(StoreCallbacksTest, OutboxIsSharedBetweenInstances) {
  store_->enqueueDeliveries({makeEntry("http://x/", 100, R"({"event":"connectionCreated"})")});
  {
    auto other = stores_.open();  // like the deliverer's own connection
    auto due = other->dueDeliveries(100, 10);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(due[0].body, R"({"event":"connectionCreated"})");
    other->markFailed(due[0].id, 200, "HTTP 503");
  }
  EXPECT_EQ(store_->dueDeliveries(200, 10).at(0).attempts, 1);
  EXPECT_EQ(stores_.open()->countDeliveries(), 1u);
}

TEST_P(StoreCallbacksTest, EnqueueIsAllOrNothing) {
  // A trigger that fails the second insert: the first must roll back with it.
  stores_.refuseOutboxUrl("http://bad/");
  EXPECT_THROW(
      store_->enqueueDeliveries({makeEntry("http://good/", 1), makeEntry("http://bad/", 1)}),
      StoreError);
  EXPECT_EQ(store_->countDeliveries(), 0u);
  store_->enqueueDeliveries({makeEntry("http://x/", 1)});
  EXPECT_EQ(store_->countDeliveries(), 1u);
}

// --- claims ---

TEST_P(StoreCallbacksTest, AClaimHidesItsEntriesUntilItsLeaseRunsOut) {
  store_->enqueueDeliveries(
      {makeEntry("http://a/", 10), makeEntry("http://b/", 20), makeEntry("http://c/", 500)});
  EXPECT_EQ(urlsOf(store_->claimDueDeliveries(100, 10, 1000)),
            (std::vector<std::string>{"http://a/", "http://b/"}));
  EXPECT_TRUE(store_->claimDueDeliveries(100, 10, 1000).empty());
  // A look still sees them; the next claimable moment is the later of due time and lease.
  EXPECT_EQ(store_->dueDeliveries(100, 10).size(), 2u);
  EXPECT_EQ(store_->nextDeliveryAtMs(), 500);
  EXPECT_EQ(urlsOf(store_->claimDueDeliveries(600, 10, 1000)),
            (std::vector<std::string>{"http://c/"}));
  EXPECT_EQ(store_->nextDeliveryAtMs(), 1100);
  // The lease of the first two ran out at 1100: claimable again, in schedule order.
  EXPECT_TRUE(store_->claimDueDeliveries(1099, 10, 1000).empty());
  EXPECT_EQ(urlsOf(store_->claimDueDeliveries(1100, 1, 1000)),
            (std::vector<std::string>{"http://a/"}));
}

TEST_P(StoreCallbacksTest, FailureDeferralAndReleaseEndClaims) {
  store_->enqueueDeliveries(
      {makeEntry("http://x/", 10), makeEntry("http://x/", 20), makeEntry("http://y/", 30)});
  auto claimed = store_->claimDueDeliveries(100, 10, 100'000);
  ASSERT_EQ(claimed.size(), 3u);
  EXPECT_TRUE(store_->markFailed(claimed[0].id, 200, "HTTP 500"));
  // Both x entries: the failed one and the one still claimed by this node.
  EXPECT_EQ(store_->deferDeliveries("http://x/", 300), 2u);
  EXPECT_EQ(urlsOf(store_->claimDueDeliveries(300, 10, 100'000)),
            (std::vector<std::string>{"http://x/", "http://x/"}));
  EXPECT_EQ(store_->releaseClaims(), 3u);
  EXPECT_EQ(store_->claimDueDeliveries(300, 10, 100'000).size(), 3u);
  EXPECT_EQ(store_->countDeliveries(), 3u);
}

TEST_P(StoreCallbacksTest, ConcurrentClaimsNeverShareAnEntry) {
  std::vector<OutboxEntry> entries;
  for (int i = 0; i < 200; ++i) entries.push_back(makeEntry("http://x/" + std::to_string(i), i));
  store_->enqueueDeliveries(entries);
  // Two claimers (nodes on PostgreSQL, threads on one SQLite file) in small batches.
  auto claimAll = [this](const std::string& node, std::vector<std::int64_t>* ids) {
    auto store = stores_.open(node);
    for (;;) {
      auto batch = store->claimDueDeliveries(1000, 7, 60'000);
      if (batch.empty()) break;
      for (const auto& e : batch) ids->push_back(e.id);
    }
  };
  std::vector<std::int64_t> a, b;
  std::thread first(claimAll, "node-a", &a);
  std::thread second(claimAll, "node-b", &b);
  first.join();
  second.join();
  std::vector<std::int64_t> all = a;
  all.insert(all.end(), b.begin(), b.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "an entry claimed twice";
}

// --- event ids and open subjects ---

TEST_P(StoreCallbacksTest, EventIdsAreKeptWithTheirRows) {
  OutboxEntry entry = makeEntry("http://x/", 100);
  entry.eventId = "evt-1";
  store_->enqueueDeliveries({entry});
  auto due = store_->dueDeliveries(100, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].eventId, "evt-1");
  store_->markFailed(due[0].id, 200, "HTTP 500");
  EXPECT_EQ(store_->dueDeliveries(200, 10).at(0).eventId, "evt-1");
}

OpenSubject subject(std::string kind, std::string id, std::int64_t at, std::string session = "s1") {
  return OpenSubject{
      std::move(kind), std::move(session), std::move(id), "1234", R"({"id":"x"})", at, ""};
}

TEST_P(StoreCallbacksTest, OpenSubjectsComeAndGoWithTheirEvents) {
  EXPECT_EQ(
      store_->enqueueAndOpen({makeEntry("http://created/", 1)}, subject("connection", "c1", 10)),
      OpenOutcome::Opened);
  store_->enqueueAndOpen({}, subject("connection", "c2", 20));
  store_->enqueueAndOpen({}, subject("stream", "st1", 30));
  store_->enqueueAndOpen({}, subject("stream", "st0", 5, "s2"));
  EXPECT_EQ(store_->countDeliveries(), 1u);

  // Streams first, then connections, each oldest first.
  auto open = store_->openSubjects(10);
  std::vector<std::string> order;
  for (const auto& o : open) order.push_back(o.kind + ":" + o.id);
  EXPECT_EQ(order, (std::vector<std::string>{"stream:st0", "stream:st1", "connection:c1",
                                             "connection:c2"}));
  EXPECT_EQ(open[2].json, R"({"id":"x"})");
  EXPECT_EQ(open[2].apiKey, "1234");
  EXPECT_EQ(open[2].sessionId, "s1");
  EXPECT_EQ(store_->openSubjects(1).size(), 1u);

  EXPECT_TRUE(
      store_->enqueueAndClose({makeEntry("http://destroyed/", 2)}, "connection", "s1", "c1"));
  // st0 is in s2: it stays, and with nothing to close nothing is enqueued.
  EXPECT_FALSE(store_->enqueueAndClose({makeEntry("http://never/", 3)}, "stream", "s1", "st0"));
  EXPECT_EQ(store_->countDeliveries(), 2u);
  EXPECT_EQ(store_->openSubjects(10).size(), 3u);
}

TEST_P(StoreCallbacksTest, OpeningOrClosingIsAllOrNothingWithItsRows) {
  stores_.refuseOutboxUrl("http://bad/");
  EXPECT_THROW(
      store_->enqueueAndOpen({makeEntry("http://bad/", 1)}, subject("connection", "c1", 1)),
      StoreError);
  EXPECT_TRUE(store_->openSubjects(10).empty());

  store_->enqueueAndOpen({}, subject("connection", "c1", 1));
  EXPECT_THROW(store_->enqueueAndClose({makeEntry("http://bad/", 1)}, "connection", "s1", "c1"),
               StoreError);
  EXPECT_EQ(store_->openSubjects(10).size(), 1u);  // still owed its event
  EXPECT_EQ(store_->countDeliveries(), 0u);
}

}  // namespace
}  // namespace parley::store
