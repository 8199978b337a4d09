#include "load/ProcessSampler.h"

#include <charconv>
#include <chrono>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace parley::load {

namespace {

// Reads a small /proc file whole into `buf`; the number of bytes, or -1.
ssize_t readSmallFile(const std::string& path, char* buf, std::size_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t used = 0;
  while (used < size) {
    const ssize_t n = ::read(fd, buf + used, size - used);
    if (n < 0) {
      ::close(fd);
      return -1;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return static_cast<ssize_t>(used);
}

// The next space-separated token of `s` from `pos`, advancing `pos` past it.
std::string_view nextToken(std::string_view s, std::size_t& pos) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  const std::size_t start = pos;
  while (pos < s.size() && s[pos] != ' ' && s[pos] != '\n') ++pos;
  return s.substr(start, pos - start);
}

template <typename T>
bool parseNumber(std::string_view token, T& out) {
  if (token.empty()) return false;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  return ec == std::errc() && end == token.data() + token.size();
}

}  // namespace

std::optional<ProcessSampler::StatFields> ProcessSampler::parseStat(std::string_view stat) {
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After ") " come fields 3 (state) onwards: utime is field 14, stime 15, threads 20.
  std::size_t pos = close + 1;
  StatFields f;
  for (int field = 3; field <= 20; ++field) {
    const std::string_view token = nextToken(stat, pos);
    if (token.empty()) return std::nullopt;
    bool ok = true;
    if (field == 3) {
      if (token.size() != 1) return std::nullopt;
      f.state = token[0];
    } else if (field == 14) {
      ok = parseNumber(token, f.utimeTicks);
    } else if (field == 15) {
      ok = parseNumber(token, f.stimeTicks);
    } else if (field == 20) {
      ok = parseNumber(token, f.threads);
    }
    if (!ok) return std::nullopt;
  }
  return f;
}

std::optional<std::uint64_t> ProcessSampler::parseStatusKb(std::string_view status,
                                                           std::string_view name) {
  std::size_t lineStart = 0;
  while (lineStart < status.size()) {
    std::size_t lineEnd = status.find('\n', lineStart);
    if (lineEnd == std::string_view::npos) lineEnd = status.size();
    const std::string_view line = status.substr(lineStart, lineEnd - lineStart);
    if (line.size() > name.size() && line.substr(0, name.size()) == name &&
        line[name.size()] == ':') {
      std::size_t pos = name.size() + 1;
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
      std::size_t end = pos;
      while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
      std::uint64_t kb = 0;
      if (!parseNumber(line.substr(pos, end - pos), kb)) return std::nullopt;
      return kb * 1024;
    }
    lineStart = lineEnd + 1;
  }
  return std::nullopt;
}

std::optional<ProcessSampler::Sample> ProcessSampler::sample() const {
  const std::string dir = "/proc/" + std::to_string(pid_) + "/";
  char buf[8192];  // status is about 1.5 KB; stat a few hundred bytes
  const ssize_t statLen = readSmallFile(dir + "stat", buf, sizeof buf);
  if (statLen <= 0) return std::nullopt;
  const auto stat = parseStat(std::string_view(buf, static_cast<std::size_t>(statLen)));
  // A zombie ('Z') or dead ('X') process has exited; only its exit status remains.
  if (!stat || stat->state == 'Z' || stat->state == 'X') return std::nullopt;

  Sample s;
  static const long ticksPerSecond = ::sysconf(_SC_CLK_TCK);
  s.cpuSeconds = static_cast<double>(stat->utimeTicks + stat->stimeTicks) /
                 static_cast<double>(ticksPerSecond > 0 ? ticksPerSecond : 100);
  s.threads = stat->threads;
  s.atUs = std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
               .count();

  const ssize_t statusLen = readSmallFile(dir + "status", buf, sizeof buf);
  if (statusLen <= 0) return std::nullopt;
  const std::string_view status(buf, static_cast<std::size_t>(statusLen));
  const auto rss = parseStatusKb(status, "VmRSS");
  if (!rss) return std::nullopt;  // kernel threads and exiting processes have none
  s.rssBytes = *rss;
  s.peakRssBytes = parseStatusKb(status, "VmHWM").value_or(*rss);
  return s;
}

double ProcessSampler::cpuPercent(const Sample& from, const Sample& to) {
  const std::int64_t us = to.atUs - from.atUs;
  if (us <= 0) return 0;
  return (to.cpuSeconds - from.cpuSeconds) * 1e8 / static_cast<double>(us);
}

}  // namespace parley::load
