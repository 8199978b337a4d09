#pragma once

#include <cstdint>
#include <optional>

namespace parley::media {

// Audio fallback for one subscriber (OpenTok's "subscriber audio fallback"): decides when the
// subscriber's link cannot carry even the lowest video layer, so the SFU stops its video and
// keeps its audio, and when to try video again. Pure logic, fed twice a second by
// Subscription; times in microseconds.
//
// Video goes when, for kSustainUs in a row, the subscriber is on the lowest layer and either its
// bandwidth estimate (REMB) is under 70 % of that layer's rate, or it reports losing at least
// 20 % of the video. It comes back after a back-off (8 s, doubled up to 64 s each time video
// had to go again soon after coming back): with video off the estimate only follows the audio,
// so trying again is the only probe. Right after video comes back the estimate is still low
// from the audio-only time; during a grace period only loss counts.
class VideoFallback {
 public:
  static constexpr int64_t kSustainUs = 3000000;
  static constexpr int64_t kGraceUs = 10000000;
  static constexpr int64_t kMinBackoffUs = 8000000;
  static constexpr int64_t kMaxBackoffUs = 64000000;
  // A layer slower than this (a still screen, a paused camera) never counts as too heavy.
  static constexpr uint64_t kMinVideoBps = 50000;

  struct Input {
    uint64_t estimateBps = 0;     // the subscriber's latest REMB; 0 before any
    uint64_t lowestLayerBps = 0;  // rate of the lowest live layer
    bool onLowestLayer = false;   // the subscriber gets (or waits for) that layer
    // Fraction of video lost (/256) from a receiver report newer than the last change;
    // nullopt when there is none.
    std::optional<uint8_t> fractionLost;
  };

  enum class Change { None, Suspend, Resume };

  Change update(const Input& in, int64_t nowUs);

  bool suspended() const { return suspended_; }
  // When the current state began (for "is this loss report newer" checks).
  int64_t changedUs() const { return changedUs_; }
  int64_t backoffUs() const { return backoffUs_; }

 private:
  bool suspended_ = false;
  int64_t troubleSinceUs_ = 0;  // 0: no trouble now
  int64_t changedUs_ = 0;
  int64_t resumedUs_ = 0;
  int64_t backoffUs_ = kMinBackoffUs;
};

}  // namespace parley::media
