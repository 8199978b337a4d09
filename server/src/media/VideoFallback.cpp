#include "media/VideoFallback.h"

#include <algorithm>

namespace parley::media {

namespace {
constexpr uint8_t kHeavyLoss = 51;  // 20 % of 256
}  // namespace

VideoFallback::Change VideoFallback::update(const Input& in, int64_t nowUs) {
  if (suspended_) {
    if (nowUs - changedUs_ >= backoffUs_) {
      suspended_ = false;
      changedUs_ = resumedUs_ = nowUs;
      troubleSinceUs_ = 0;
      return Change::Resume;
    }
    return Change::None;
  }
  const bool heavy = in.lowestLayerBps >= kMinVideoBps;
  const bool inGrace = resumedUs_ != 0 && nowUs - resumedUs_ < kGraceUs;
  const bool starved =
      !inGrace && in.estimateBps != 0 && in.estimateBps * 10 < in.lowestLayerBps * 7;
  const bool lossy = in.fractionLost && *in.fractionLost >= kHeavyLoss;
  if (!heavy || !in.onLowestLayer || !(starved || lossy)) {
    troubleSinceUs_ = 0;
    return Change::None;
  }
  if (troubleSinceUs_ == 0) troubleSinceUs_ = nowUs;
  if (nowUs - troubleSinceUs_ < kSustainUs) return Change::None;
  // Video had to go again soon after it came back: wait longer before the next try.
  const bool retryFailed = resumedUs_ != 0 && nowUs - resumedUs_ < kGraceUs + 2 * kSustainUs;
  backoffUs_ = retryFailed ? std::min(backoffUs_ * 2, kMaxBackoffUs) : kMinBackoffUs;
  suspended_ = true;
  changedUs_ = nowUs;
  troubleSinceUs_ = 0;
  return Change::Suspend;
}

}  // namespace parley::media
