#include "media/MediaPipe.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace parley::media {

MediaPipe::MediaPipe() : ring_(kCapacity) {
  eventFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (eventFd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
}

MediaPipe::~MediaPipe() {
  if (eventFd_ >= 0) ::close(eventFd_);
}

void MediaPipe::signal() {
  if (signalled_.exchange(true, std::memory_order_acq_rel)) return;
  const uint64_t one = 1;
  (void)!::write(eventFd_, &one, sizeof one);
}

void MediaPipe::clearSignal() {
  uint64_t value = 0;
  (void)!::read(eventFd_, &value, sizeof value);
  signalled_.store(false, std::memory_order_seq_cst);
}

}  // namespace parley::media
