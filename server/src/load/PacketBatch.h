#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::load {

// Datagrams written for one sendmmsg call: fixed slots, allocated once per media loop. A
// frame's packets go in one batch: 256 slots hold a 1080p keyframe (~250 KB).
class PacketBatch {
 public:
  static constexpr size_t kSlots = 256;
  static constexpr size_t kSlotSize = 1500;

  // The next free slot, or nullptr when the batch is full; commit() makes it count.
  uint8_t* next() { return count_ < kSlots ? slots_[count_].data() : nullptr; }
  void commit(size_t size) { sizes_[count_++] = size; }
  size_t count() const { return count_; }
  uint8_t* data(size_t i) { return slots_[i].data(); }
  size_t size(size_t i) const { return sizes_[i]; }
  void setSize(size_t i, size_t size) { sizes_[i] = size; }
  void clear() { count_ = 0; }

 private:
  std::array<std::array<uint8_t, kSlotSize>, kSlots> slots_;
  std::array<size_t, kSlots> sizes_{};
  size_t count_ = 0;
};

}  // namespace parley::load
