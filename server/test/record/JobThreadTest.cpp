#include "record/JobThread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace parley::record {
namespace {

TEST(JobThreadTest, RunsJobsInPostOrderOnItsOwnThread) {
  std::mutex mutex;
  std::vector<int> order;
  std::vector<std::thread::id> threads;
  {
    JobThread jobs;
    for (int i = 0; i < 200; ++i) {
      jobs.post([&, i] {
        std::lock_guard<std::mutex> lock(mutex);
        order.push_back(i);
        threads.push_back(std::this_thread::get_id());
      });
    }
    jobs.waitIdle();
    EXPECT_EQ(jobs.pending(), 0u);
    std::lock_guard<std::mutex> lock(mutex);
    ASSERT_EQ(order.size(), 200u);
  }
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
  for (const auto& id : threads) {
    EXPECT_NE(id, std::this_thread::get_id());
    EXPECT_EQ(id, threads.front()) << "one thread runs them all";
  }
}

TEST(JobThreadTest, PendingCountsQueuedAndRunningJobs) {
  JobThread jobs;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  jobs.post([&] {
    started.set_value();
    released.wait();
  });
  started.get_future().wait();  // the first job is running, blocked
  EXPECT_EQ(jobs.pending(), 1u);
  std::atomic<int> ran{0};
  jobs.post([&] { ++ran; });
  jobs.post([&] { ++ran; });
  EXPECT_EQ(jobs.pending(), 3u);
  EXPECT_EQ(ran.load(), 0) << "nothing overtakes the running job";
  release.set_value();
  jobs.waitIdle();
  EXPECT_EQ(jobs.pending(), 0u);
  EXPECT_EQ(ran.load(), 2);
}

TEST(JobThreadTest, TheDestructorRunsWhatIsStillQueued) {
  std::atomic<int> ran{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  {
    JobThread jobs;
    jobs.post([&] { released.wait(); });
    for (int i = 0; i < 50; ++i) jobs.post([&] { ++ran; });
    // A job that posts another while the destructor drains the queue: that one runs too.
    jobs.post([&] { jobs.post([&] { ran += 100; }); });
    release.set_value();
  }
  EXPECT_EQ(ran.load(), 150);
}

TEST(JobThreadTest, AJobThatThrowsDoesNotStopTheQueue) {
  std::atomic<int> ran{0};
  {
    JobThread jobs;
    jobs.post([] { throw std::runtime_error("disk on fire"); });
    jobs.post([&] { ++ran; });
    jobs.post(nullptr);
    jobs.post([&] { ++ran; });
    jobs.waitIdle();
    EXPECT_EQ(ran.load(), 2);
  }
  EXPECT_EQ(ran.load(), 2);
}

}  // namespace
}  // namespace parley::record
