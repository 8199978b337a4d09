#pragma once

#include <cstddef>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PARLEY_ALLOCATION_HOOKS 1
#include <sanitizer/allocator_interface.h>
#endif
#endif

namespace parley::record::test {

// Counts the heap allocations the calling thread makes while an AllocationCounter lives,
// through the sanitizers' allocator hooks (the unit tests run under ASan or TSan).
// available() is false in a build without them; tests then skip the check.
class AllocationCounter {
 public:
  static bool available() {
#ifdef PARLEY_ALLOCATION_HOOKS
    return true;
#else
    return false;
#endif
  }

  AllocationCounter() {
#ifdef PARLEY_ALLOCATION_HOOKS
    // Installed once per process: the sanitizers keep a handful of hook slots and never
    // free one.
    static const bool installed = __sanitizer_install_malloc_and_free_hooks(onMalloc, onFree);
    (void)installed;
#endif
    count() = 0;
    largest() = 0;
    counting() = true;
  }
  ~AllocationCounter() {
    counting() = false;
  }
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;

  size_t allocations() const {
    return count();
  }
  // The size of the largest of them, in bytes.
  size_t largestBytes() const {
    return largest();
  }

 private:
  // Per thread, so the allocations of other threads (a drain thread, gtest's) do not count.
  static bool& counting() {
    static thread_local bool on = false;
    return on;
  }
  static size_t& count() {
    static thread_local size_t n = 0;
    return n;
  }
  static size_t& largest() {
    static thread_local size_t n = 0;
    return n;
  }
  static void onMalloc(const volatile void*, size_t size) {
    if (!counting()) return;
    ++count();
    if (size > largest()) largest() = size;
  }
  static void onFree(const volatile void*) {}
};

}  // namespace parley::record::test
