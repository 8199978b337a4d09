#include "app/FileLimit.h"

#include <sys/resource.h>

#include <algorithm>

namespace parley::app {

FileLimit::Limits FileLimit::raise() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return {};
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit wanted = limit;
    wanted.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) limit = wanted;
  }
  auto clamp = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::size_t(1) << 20 : static_cast<std::size_t>(v);
  };
  return {clamp(limit.rlim_cur), clamp(limit.rlim_max)};
}

std::size_t FileLimit::connectionBudget(std::size_t soft) {
  const std::size_t reserve = std::max<std::size_t>(64, soft / 4);
  return soft > reserve ? soft - reserve : soft / 2;
}

}  // namespace parley::app
