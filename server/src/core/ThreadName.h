#pragma once

#include <string_view>

namespace parley::core {

// Names the calling thread for `top -H`, `ps -L`, perf and gdb (Linux keeps 15 bytes; the
// rest is cut). Each long-lived thread of parleyd names itself as it starts.
void nameThisThread(std::string_view name);

}  // namespace parley::core
