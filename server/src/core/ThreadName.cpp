#include "core/ThreadName.h"

#include <pthread.h>

#include <algorithm>
#include <array>

namespace parley::core {

void nameThisThread(std::string_view name) {
  std::array<char, 16> buffer{};
  const size_t length = std::min(name.size(), buffer.size() - 1);
  std::copy_n(name.data(), length, buffer.data());
  pthread_setname_np(pthread_self(), buffer.data());
}

}  // namespace parley::core
