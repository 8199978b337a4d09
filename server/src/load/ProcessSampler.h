#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <sys/types.h>

namespace parley::load {

// CPU time, memory and threads of a process on this machine, read from /proc/<pid>: how
// much of the machine the server under test used while the load ran.
class ProcessSampler {
 public:
  struct Sample {
    double cpuSeconds = 0;           // user + system time since the process started
    std::uint64_t rssBytes = 0;      // VmRSS
    std::uint64_t peakRssBytes = 0;  // VmHWM, the high-water mark of VmRSS
    int threads = 0;
    std::int64_t atUs = 0;  // steady clock
  };

  // The fields of /proc/<pid>/stat this class uses.
  struct StatFields {
    char state = 0;
    std::uint64_t utimeTicks = 0;
    std::uint64_t stimeTicks = 0;
    int threads = 0;
  };

  explicit ProcessSampler(pid_t pid) : pid_(pid) {}

  pid_t pid() const { return pid_; }
  // nullopt once the process is gone (no /proc entry, or a zombie waiting to be reaped).
  std::optional<Sample> sample() const;

  // Percent of one core used between two samples (200 = two cores busy); 0 when no time
  // passed.
  static double cpuPercent(const Sample& from, const Sample& to);

  // Parses the contents of /proc/<pid>/stat. The command name (field 2) is in parentheses
  // and may itself contain spaces and ')', so the fields are counted from the last ')'.
  static std::optional<StatFields> parseStat(std::string_view stat);
  // The value of a "Name:   1234 kB" line of /proc/<pid>/status, in bytes.
  static std::optional<std::uint64_t> parseStatusKb(std::string_view status, std::string_view name);

 private:
  pid_t pid_;
};

}  // namespace parley::load
