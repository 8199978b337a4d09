#include "load/ProcessSampler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace parley::load {
namespace {

TEST(ProcessSamplerTest, ParsesStatFromTheLastParenthesis) {
  // A command name with spaces, parentheses and what looks like fields.
  const std::string stat =
      "4242 (a) 1 2 (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 7 0 12345 "
      "1000000 300 18446744073709551615\n";
  const auto f = ProcessSampler::parseStat(stat);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, 'S');
  EXPECT_EQ(f->utimeTicks, 250u);
  EXPECT_EQ(f->stimeTicks, 75u);
  EXPECT_EQ(f->threads, 7);
}

TEST(ProcessSamplerTest, RejectsTruncatedOrMalformedStat) {
  EXPECT_FALSE(ProcessSampler::parseStat(""));
  EXPECT_FALSE(ProcessSampler::parseStat("4242 no parenthesis S 1 2 3"));
  EXPECT_FALSE(ProcessSampler::parseStat("4242 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250"));
  EXPECT_FALSE(ProcessSampler::parseStat(
      "4242 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 2x0 75 0 0 20 0 7 0 12345"));
}

TEST(ProcessSamplerTest, ParsesStatusKilobytes) {
  const std::string status =
      "Name:\tparleyd\nVmRSSX:\t 1 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nThreads:\t3\n";
  EXPECT_EQ(ProcessSampler::parseStatusKb(status, "VmRSS"), 1024u * 1024u);
  EXPECT_EQ(ProcessSampler::parseStatusKb(status, "VmHWM"), 2048u * 1024u);
  EXPECT_FALSE(ProcessSampler::parseStatusKb(status, "VmSwap"));
  EXPECT_FALSE(ProcessSampler::parseStatusKb("VmRSS:\t kB\n", "VmRSS"));
}

TEST(ProcessSamplerTest, CpuPercentOfOneCore) {
  ProcessSampler::Sample a, b;
  a.cpuSeconds = 1.0;
  a.atUs = 5'000'000;
  b.cpuSeconds = 1.5;
  b.atUs = 6'000'000;
  EXPECT_DOUBLE_EQ(ProcessSampler::cpuPercent(a, b), 50.0);
  b.cpuSeconds = 3.0;
  EXPECT_DOUBLE_EQ(ProcessSampler::cpuPercent(a, b), 200.0);
  EXPECT_EQ(ProcessSampler::cpuPercent(a, a), 0.0);
}

TEST(ProcessSamplerTest, OwnProcessUsesCpuAndMemory) {
  ProcessSampler sampler(::getpid());
  const auto first = sampler.sample();
  ASSERT_TRUE(first);
  EXPECT_GT(first->rssBytes, 0u);
  EXPECT_GE(first->peakRssBytes, first->rssBytes);
  EXPECT_GE(first->threads, 1);
  // Burn CPU until the kernel's tick-granular counter moves; the cap is only a safety net
  // for a machine so busy that this process gets no CPU at all.
  volatile std::uint64_t sink = 0;
  std::optional<ProcessSampler::Sample> later;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    for (int i = 0; i < 1'000'000; ++i) sink = sink + static_cast<std::uint64_t>(i) * 31;
    later = sampler.sample();
    ASSERT_TRUE(later);
  } while (later->cpuSeconds <= first->cpuSeconds && std::chrono::steady_clock::now() < deadline);
  EXPECT_GT(later->cpuSeconds, first->cpuSeconds);
  EXPECT_GT(later->atUs, first->atUs);
  EXPECT_GT(ProcessSampler::cpuPercent(*first, *later), 0.0);
}

TEST(ProcessSamplerTest, ChildWithAwkwardNameAndItsExit) {
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    ::close(release[1]);  // or the read below never sees the parent's close
    ::prctl(PR_SET_NAME, "x) 1 2 (y) z", 0, 0, 0);
    char c = 1;
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    (void)::read(release[0], &c, 1);  // until the parent closes its end
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);

  std::string comm;
  std::getline(std::ifstream("/proc/" + std::to_string(child) + "/comm"), comm);
  EXPECT_EQ(comm, "x) 1 2 (y) z");  // what the parser has to get past

  ProcessSampler sampler(child);
  const auto alive = sampler.sample();
  ASSERT_TRUE(alive);
  // One thread of ours; a sanitizer's runtime may have started its own in the child (TSan
  // does), so the count is checked against the kernel's other report of it.
  std::string line;
  int threads = 0;
  for (std::ifstream status("/proc/" + std::to_string(child) + "/status");
       std::getline(status, line);)
    if (line.rfind("Threads:", 0) == 0) threads = std::stoi(line.substr(8));
  EXPECT_GE(alive->threads, 1);
  EXPECT_EQ(alive->threads, threads);
  EXPECT_GT(alive->rssBytes, 0u);
  EXPECT_GE(alive->cpuSeconds, 0.0);

  // Exited but not yet reaped: a zombie, no longer a process to measure.
  ::close(release[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (sampler.sample() && std::chrono::steady_clock::now() < deadline) ::usleep(1000);
  EXPECT_FALSE(sampler.sample());
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_FALSE(sampler.sample());  // reaped: no /proc entry at all
}

}  // namespace
}  // namespace parley::load
