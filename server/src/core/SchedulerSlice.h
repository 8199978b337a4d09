#pragma once

#include <chrono>

namespace parley::core {

// Asks the kernel to run the calling thread in slices of `slice` (Linux 6.12 and later:
// the EEVDF scheduler's per-task slice, settable without privileges). A thread with a
// shorter slice than the one running gets the CPU as soon as it wakes instead of when the
// other's slice ends; a media worker sharing a core with the control thread (a Rumor
// sweep, a WebSocket write burst, up to several milliseconds at a time) then forwards a
// packet that arrives meanwhile at once, not after that burst. Its share of the CPU does
// not change. Kernels without per-task slices ignore the request. Returns false when the
// kernel refused it or the thread runs under a real-time or other non-default policy,
// which is left alone.
bool requestSchedulerSlice(std::chrono::microseconds slice);

}  // namespace parley::core
