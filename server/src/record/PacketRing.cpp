#include "record/PacketRing.h"

#include <bit>
#include <cstring>

namespace parley::record {

namespace {
// A power of two, so that an index maps to its slot with a mask.
size_t slotCount(size_t capacity) {
  return std::bit_ceil(capacity < 2 ? size_t{2} : capacity);
}
}  // namespace

PacketRing::PacketRing(size_t capacity)
    : slots_(std::make_unique<Packet[]>(slotCount(capacity))), mask_(slotCount(capacity) - 1) {}

void PacketRing::countDrop() {
  // One writer: a plain increment, no read-modify-write on the packet path.
  dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

PacketRing::Packet* PacketRing::claim() {
  if (closed_.load(std::memory_order_relaxed)) {
    countDrop();
    return nullptr;
  }
  const uint64_t head = head_.load(std::memory_order_relaxed);
  if (head - tailSeen_ > mask_) {
    // Acquire: the consumer is done reading the slots it released.
    tailSeen_ = tail_.load(std::memory_order_acquire);
    if (head - tailSeen_ > mask_) {
      countDrop();
      return nullptr;
    }
  }
  return &slots_[head & mask_];
}

void PacketRing::publish() {
  // Release: the slot's contents are visible before the consumer can see it queued.
  head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

std::optional<PacketRing::SenderReport> PacketRing::senderReportOf(const Packet& packet) {
  if (!packet.senderReport || packet.size < 12) return std::nullopt;
  SenderReport r;
  for (int i = 0; i < 8; ++i) r.ntpTimestamp = (r.ntpTimestamp << 8) | packet.bytes[i];
  for (int i = 8; i < 12; ++i) r.rtpTimestamp = (r.rtpTimestamp << 8) | packet.bytes[i];
  return r;
}

bool PacketRing::pushSenderReport(uint8_t track, uint64_t ntpTimestamp, uint32_t rtpTimestamp,
                                  int64_t arrivalUs, uint8_t layer) {
  Packet* slot = claim();
  if (!slot) return false;
  slot->arrivalUs = arrivalUs;
  slot->size = 12;
  slot->track = track;
  slot->layer = layer;
  slot->keyframe = false;
  slot->senderReport = true;
  for (int i = 0; i < 8; ++i) slot->bytes[i] = static_cast<uint8_t>(ntpTimestamp >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i)
    slot->bytes[8 + i] = static_cast<uint8_t>(rtpTimestamp >> (24 - 8 * i));
  publish();
  return true;
}

bool PacketRing::push(std::span<const uint8_t> rtp, int64_t arrivalUs, uint8_t track, uint8_t layer,
                      bool keyframe, Shift shift) {
  if (rtp.size() > kMaxPacketSize) {
    countDrop();
    return false;
  }
  Packet* found = claim();
  if (!found) return false;
  Packet& slot = *found;
  slot.arrivalUs = arrivalUs;
  slot.size = static_cast<uint32_t>(rtp.size());
  slot.track = track;
  slot.layer = layer;
  slot.keyframe = keyframe;
  slot.senderReport = false;
  if (!rtp.empty()) std::memcpy(slot.bytes.data(), rtp.data(), rtp.size());
  if ((shift.sequence || shift.timestamp) && rtp.size() >= 8) {
    uint8_t* b = slot.bytes.data();
    const auto seq = static_cast<uint16_t>(((b[2] << 8) | b[3]) + shift.sequence);
    b[2] = static_cast<uint8_t>(seq >> 8);
    b[3] = static_cast<uint8_t>(seq);
    const uint32_t ts =
        ((uint32_t(b[4]) << 24) | (uint32_t(b[5]) << 16) | (uint32_t(b[6]) << 8) | b[7]) +
        shift.timestamp;
    b[4] = static_cast<uint8_t>(ts >> 24);
    b[5] = static_cast<uint8_t>(ts >> 16);
    b[6] = static_cast<uint8_t>(ts >> 8);
    b[7] = static_cast<uint8_t>(ts);
  }
  publish();
  return true;
}

void PacketRing::close() {
  // Release, after the last push: a consumer that sees closed_ sees every packet.
  closed_.store(true, std::memory_order_release);
}

const PacketRing::Packet* PacketRing::front() {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail == headSeen_) {
    headSeen_ = head_.load(std::memory_order_acquire);
    if (tail == headSeen_) return nullptr;
  }
  return &slots_[tail & mask_];
}

void PacketRing::pop() {
  const uint64_t tail = tail_.load(std::memory_order_relaxed);
  if (tail == headSeen_) return;  // front() found nothing: nothing to release
  tail_.store(tail + 1, std::memory_order_release);
}

bool PacketRing::finished() {
  // closed_ first: once it reads true, front() sees every packet pushed before close().
  return closed_.load(std::memory_order_acquire) && front() == nullptr;
}

}  // namespace parley::record
