#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "record/PacketRing.h"
#include "record/PacketWriter.h"

namespace parley::record {

// A recorder thread: drains the rings that media workers' recording taps fill and hands the
// packets to each stream's writer, so file I/O never runs on a worker. The workers never
// wake it (that could block them): it polls its rings, sleeping `idleWait` when they are all
// empty, and sleeps until a stream is added when it has none.
class Recorder {
 public:
  explicit Recorder(std::chrono::milliseconds idleWait = std::chrono::milliseconds(5));
  // Drains what is queued, finishes every stream, then joins the thread.
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // From any thread. The writer gets the ring's packets until the ring is finished.
  void add(std::shared_ptr<PacketRing> ring, std::unique_ptr<PacketWriter> writer);
  // Streams added and not finished yet.
  size_t streams() const;

 private:
  struct Stream {
    std::shared_ptr<PacketRing> ring;
    std::unique_ptr<PacketWriter> writer;
  };

  void run();
  // Writes up to `max` queued packets of `s`; how many it wrote.
  static size_t drain(Stream& s, size_t max);

  const std::chrono::milliseconds idleWait_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Stream> incoming_;  // guarded by mutex_: added, not yet taken by the thread
  size_t live_ = 0;               // guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_
  std::thread thread_;            // last: starts once the rest is ready
};

}  // namespace parley::record
