#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace parley::record {

// One background thread that runs posted jobs one at a time, in the order they were posted:
// the slow file work of archives (packaging, hashing, removing) kept off the control thread.
// A job may post further jobs. A job that throws is abandoned; the next one still runs.
class JobThread {
 public:
  JobThread();
  // Runs the jobs still queued (and any they post), then joins.
  ~JobThread();
  JobThread(const JobThread&) = delete;
  JobThread& operator=(const JobThread&) = delete;

  void post(std::function<void()> job);
  // Jobs posted and not finished yet: those queued and the one running.
  std::size_t pending() const;
  // Blocks until pending() is 0. Not from a job (it would wait for itself).
  void waitIdle() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;          // the worker: a job came, or stop
  mutable std::condition_variable idle_;  // waitIdle: pending went to 0
  std::deque<std::function<void()>> queue_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is initialised
};

}  // namespace parley::record
