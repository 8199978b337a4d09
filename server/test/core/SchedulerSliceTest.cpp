#include "core/SchedulerSlice.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

namespace parley::core {
namespace {

struct Attr {
  std::uint32_t size;
  std::uint32_t policy;
  std::uint64_t flags;
  std::int32_t nice;
  std::uint32_t priority;
  std::uint64_t runtime;
  std::uint64_t deadline;
  std::uint64_t period;
  std::uint32_t utilMin;
  std::uint32_t utilMax;
};

Attr current() {
  Attr a{};
  EXPECT_EQ(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0), 0);
  return a;
}

TEST(SchedulerSliceTest, SetsTheSliceAndKeepsTheNiceValue) {
  // On a thread of its own, so the test runner's thread keeps its settings.
  std::thread([] {
    const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
    ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(tid), 3), 0);
    ASSERT_TRUE(requestSchedulerSlice(std::chrono::microseconds(250)));
    const Attr a = current();
    EXPECT_EQ(a.nice, 3);
    EXPECT_EQ(a.policy, 0u);  // still SCHED_OTHER
    // Kernels before 6.12 accept the request and keep no slice; newer ones report it.
    if (a.runtime != 0) EXPECT_EQ(a.runtime, 250000u);
  }).join();
}

TEST(SchedulerSliceTest, LeavesANonDefaultPolicyAlone) {
  std::thread([] {
    sched_param none{};
    ASSERT_EQ(sched_setscheduler(0, SCHED_BATCH, &none), 0);
    EXPECT_FALSE(requestSchedulerSlice(std::chrono::microseconds(250)));
    EXPECT_EQ(current().policy, static_cast<std::uint32_t>(SCHED_BATCH));
  }).join();
}

}  // namespace
}  // namespace parley::core
