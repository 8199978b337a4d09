#include "media/rtp/RetransmissionBuffer.h"

#include <algorithm>
#include <cstring>

namespace parley::media::rtp {

namespace {

constexpr size_t kRtpHeaderSize = 12;
constexpr size_t kMaxSlots = 32768;
// A packet this far behind the newest is not a late one but a sender that restarted its
// sequence: it becomes the newest, so that the buffer does not stall until it catches up.
constexpr int64_t kResetDistance = 16384;

}  // namespace

RetransmissionBuffer::RetransmissionBuffer(size_t maxSlots, size_t maxPacketSize, size_t firstSlots)
    : maxSlots_(std::clamp<size_t>(maxSlots, 1, kMaxSlots)),
      maxPacketSize_(std::max<size_t>(maxPacketSize, kRtpHeaderSize)),
      slots_(firstSlots == 0 ? maxSlots_ : std::clamp<size_t>(firstSlots, 1, maxSlots_)),
      bytes_(new uint8_t[slots_.size() * maxPacketSize_]) {}

void RetransmissionBuffer::grow() {
  const size_t bigger = std::min(slots_.size() * 2, maxSlots_);
  std::vector<Slot> slots(bigger);
  std::unique_ptr<uint8_t[]> bytes(new uint8_t[bigger * maxPacketSize_]);
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& from = slots_[i];
    if (from.seq < 0) continue;
    const size_t to = static_cast<size_t>(from.seq) % bigger;
    // Doubling keeps distinct packets apart; a cap that is not a double may not.
    if (slots[to].seq > from.seq) continue;
    slots[to] = from;
    std::memcpy(bytes.get() + to * maxPacketSize_, bytes_.get() + i * maxPacketSize_, from.size);
  }
  slots_.swap(slots);
  bytes_.swap(bytes);
}

int64_t RetransmissionBuffer::extend(uint16_t seq) const {
  // Nearest to the newest stored packet: handles the 65535 -> 0 wrap both ways.
  const auto diff =
      static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(highest_)));
  return highest_ + diff;
}

void RetransmissionBuffer::store(const uint8_t* rtp, size_t size, int64_t nowMs) {
  if (rtp == nullptr || size < kRtpHeaderSize || size > maxPacketSize_) return;
  const auto seq = static_cast<uint16_t>((rtp[2] << 8) | rtp[3]);
  int64_t ext = seq;
  if (!started_) {
    // Start high so that reordered packets from before the first one stay non-negative.
    ext += int64_t{1} << 16;
    started_ = true;
    highest_ = ext;
  } else {
    ext = extend(seq);
    if (highest_ - ext > kResetDistance)
      ext = highest_ + static_cast<uint16_t>(seq - static_cast<uint16_t>(highest_));
    if (ext > highest_) highest_ = ext;
  }
  if (highest_ - ext >= static_cast<int64_t>(slots_.size()))
    return;  // its slot holds a newer packet
  const Slot& taken = slots_[static_cast<size_t>(ext) % slots_.size()];
  if (taken.seq >= 0 && taken.seq < ext && nowMs - taken.storedMs < kDefaultMaxAgeMs &&
      slots_.size() < maxSlots_)
    grow();  // it would evict a packet a NACK may still ask for
  const size_t index = static_cast<size_t>(ext) % slots_.size();
  Slot& slot = slots_[index];
  if (slot.seq == ext) return;  // duplicate
  slot.seq = ext;
  slot.storedMs = nowMs;
  slot.lastResentMs = 0;
  slot.resendCount = 0;
  slot.size = static_cast<uint32_t>(size);
  std::memcpy(bytes_.get() + index * maxPacketSize_, rtp, size);
}

const RetransmissionBuffer::Slot* RetransmissionBuffer::slotFor(uint16_t seq) const {
  if (!started_) return nullptr;
  const int64_t ext = extend(seq);
  if (ext < 0) return nullptr;
  const Slot& slot = slots_[static_cast<size_t>(ext) % slots_.size()];
  return slot.seq == ext ? &slot : nullptr;
}

std::optional<RetransmissionBuffer::Stored> RetransmissionBuffer::find(uint16_t seq, int64_t nowMs,
                                                                       int64_t maxAgeMs) const {
  const Slot* slot = slotFor(seq);
  if (slot == nullptr || nowMs - slot->storedMs >= maxAgeMs) return std::nullopt;
  const size_t index = static_cast<size_t>(slot - slots_.data());
  return Stored{std::span<const uint8_t>(bytes_.get() + index * maxPacketSize_, slot->size),
                slot->storedMs, slot->resendCount};
}

bool RetransmissionBuffer::markResent(uint16_t seq, int64_t nowMs, int64_t minResendIntervalMs) {
  const Slot* found = slotFor(seq);
  if (found == nullptr) return false;
  Slot& slot = slots_[static_cast<size_t>(found - slots_.data())];
  if (slot.resendCount > 0 && nowMs - slot.lastResentMs < minResendIntervalMs) return false;
  slot.lastResentMs = nowMs;
  ++slot.resendCount;
  return true;
}

}  // namespace parley::media::rtp
