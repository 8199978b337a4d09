#pragma once

#include <cstdio>
#include <memory>
#include <string>

namespace parley::test {

// Runs a shell command (a scripts/test-* helper) and returns the first line it printed.
inline std::string firstLineOf(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) return {};
  char line[1024] = {};
  if (!std::fgets(line, sizeof line, pipe.get())) return {};
  std::string out(line);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace parley::test
