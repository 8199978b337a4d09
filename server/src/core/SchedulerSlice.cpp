#include "core/SchedulerSlice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace parley::core {

namespace {

// The kernel's struct sched_attr (its first version, 56 bytes); glibc 2.36 has no wrapper
// and <linux/sched/types.h> clashes with glibc's <sched.h>.
struct KernelSchedAttr {
  std::uint32_t size;
  std::uint32_t policy;
  std::uint64_t flags;
  std::int32_t nice;
  std::uint32_t priority;
  std::uint64_t runtime;  // for SCHED_NORMAL: the slice, in ns (Linux 6.12+)
  std::uint64_t deadline;
  std::uint64_t period;
  std::uint32_t utilMin;
  std::uint32_t utilMax;
};
static_assert(sizeof(KernelSchedAttr) == 56);

}  // namespace

bool requestSchedulerSlice(std::chrono::microseconds slice) {
  KernelSchedAttr attr{};
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return false;
  if (attr.policy != SCHED_OTHER) return false;
  // Only the slice changes: the nice value read above is written back as it was. Flags
  // are cleared: none of them (reset-on-fork, utilization clamps) is set on our threads.
  attr.size = sizeof attr;
  attr.flags = 0;
  attr.runtime = static_cast<std::uint64_t>(slice.count()) * 1000;
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace parley::core
