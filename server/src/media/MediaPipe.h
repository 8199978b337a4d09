#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <span>

#include "record/PacketRing.h"

namespace parley::media {

// The way one publication's packets cross from its worker (the origin) to a mirror of it on
// another worker, so that one session can fan out on several cores: a bounded lock-free
// ring written by the origin's worker and read by the mirror's, and an eventfd that wakes
// the mirror's worker — written only when the ring goes from idle to busy, so a burst costs
// one wake-up. The origin never blocks: a full ring drops packets (the subscribers behind the
// mirror then NACK or ask for a keyframe, as after network loss).
class MediaPipe {
 public:
  // About a second and a half of a 2.5 Mbit/s stream: a keyframe burst fits.
  static constexpr size_t kCapacity = 1024;

  // Throws std::runtime_error when no eventfd can be made.
  MediaPipe();
  ~MediaPipe();
  MediaPipe(const MediaPipe&) = delete;
  MediaPipe& operator=(const MediaPipe&) = delete;

  record::PacketRing& ring() { return ring_; }
  int eventFd() const { return eventFd_; }

  // Origin side, after pushing: wakes the mirror's worker unless it is already woken.
  void signal();
  // Mirror side, before draining: the next push wakes it again.
  void clearSignal();

  // Set once before the pipe is shared: asks the origin for a keyframe of one video layer.
  // Called on the mirror's worker; it posts to the origin's.
  std::function<void(size_t layer)> requestKeyframe;
  // Set only when packets can be lost on the way (a pipe from another node): the mirror
  // then notes gaps and asks the origin for them again. Called on the mirror's worker.
  std::function<void(size_t track, size_t layer, std::span<const uint16_t> lost)>
      requestRetransmission;

 private:
  record::PacketRing ring_;
  int eventFd_ = -1;
  std::atomic<bool> signalled_{false};
};

}  // namespace parley::media
