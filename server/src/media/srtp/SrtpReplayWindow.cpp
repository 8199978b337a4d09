#include "media/srtp/SrtpReplayWindow.h"

namespace parley::media::srtp {

bool SrtpReplayWindow::fresh(uint64_t index) const {
  if (empty_ || index > highest_) return true;
  if (highest_ - index >= kSize) return false;
  return !test(index);
}

void SrtpReplayWindow::accept(uint64_t index) {
  if (empty_ || index > highest_) {
    // The bits of the indices the window slides over now stand for new, unseen ones.
    if (empty_ || index - highest_ >= kSize) {
      bits_.fill(0);
    } else {
      for (uint64_t i = highest_ + 1; i <= index; ++i) clear(i);
    }
    highest_ = index;
    empty_ = false;
  }
  set(index);
}

}  // namespace parley::media::srtp
