#include "record/Recorder.h"

#include <cstdint>
#include <utility>

#include "core/ThreadName.h"

namespace parley::record {

namespace {
// Per stream and pass, so one busy stream cannot starve the others.
constexpr size_t kBatch = 256;
}  // namespace

Recorder::Recorder(std::chrono::milliseconds idleWait)
    : idleWait_(idleWait), thread_([this] {
        core::nameThisThread("recorder");
        run();
      }) {}

Recorder::~Recorder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Recorder::add(std::shared_ptr<PacketRing> ring, std::unique_ptr<PacketWriter> writer) {
  {
    std::lock_guard lock(mutex_);
    incoming_.push_back(Stream{std::move(ring), std::move(writer)});
    ++live_;
  }
  wake_.notify_one();
}

size_t Recorder::streams() const {
  std::lock_guard lock(mutex_);
  return live_;
}

size_t Recorder::drain(Stream& s, size_t max) {
  size_t n = 0;
  for (; n < max; ++n) {
    const PacketRing::Packet* p = s.ring->front();
    if (!p) break;
    s.writer->write(*p);
    s.ring->pop();
  }
  return n;
}

void Recorder::run() {
  std::vector<Stream> streams;  // this thread's own: writers run without the lock
  bool stopping = false;
  while (!stopping) {
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
      for (auto& s : incoming_) streams.push_back(std::move(s));
      incoming_.clear();
    }
    size_t written = 0;
    size_t finished = 0;
    for (auto it = streams.begin(); it != streams.end();) {
      written += drain(*it, stopping ? SIZE_MAX : kBatch);
      if (stopping || it->ring->finished()) {
        it->writer->finish(it->ring->dropped());
        it = streams.erase(it);
        ++finished;
      } else {
        ++it;
      }
    }
    std::unique_lock lock(mutex_);
    live_ -= finished;
    const auto woken = [this] { return stopping_ || !incoming_.empty(); };
    // With nothing to poll, only add() or the destructor can give it work: it sleeps until
    // then instead of waking every idleWait for nothing (200 times a second, on a core a
    // media worker may need).
    if (streams.empty() && !stopping)
      wake_.wait(lock, woken);
    else if (written == 0 && !stopping)
      wake_.wait_for(lock, idleWait_, woken);
  }
}

}  // namespace parley::record
