#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "load/LatencyHistogram.h"
#include "load/LoadPeer.h"
#include "load/PacketBatch.h"
#include "load/SpreadTicker.h"

namespace parley::load {

// One thread of the load tool's media side: an epoll loop over its peers' sockets that
// reads in batches (recvmmsg, with the kernel's receive time of each datagram), sends the
// publishers' frames when due and runs each peer's timers every 20 ms, the peers spread
// over those 20 ms (SpreadTicker). Peers are
// added through post() and stay until the loop stops, so the pointers epoll holds are
// always valid.
class MediaLoop {
 public:
  // `busyPoll`: never sleep in epoll_wait. On loopback the kernel charges waking a sleeping
  // receiver to the sender, so a sleeping load tool makes the server look slower than it is
  // against remote clients; spinning costs this tool a core instead.
  MediaLoop(unsigned index, bool busyPoll);
  ~MediaLoop();
  MediaLoop(const MediaLoop&) = delete;
  MediaLoop& operator=(const MediaLoop&) = delete;

  unsigned index() const { return index_; }
  void start();
  void stop();
  // Runs `fn` on the loop thread (soon; in order).
  void post(std::function<void()> fn);
  // Runs `fn` on the loop thread and waits for it.
  void call(const std::function<void()>& fn);

  // ---- loop thread only ----
  void add(std::shared_ptr<LoadPeer> peer);
  const std::vector<std::shared_ptr<LoadPeer>>& peers() const { return peers_; }
  LatencyHistogram& latency() { return latency_; }
  LatencyHistogram& sendLateness() { return sendLateness_; }
  static int64_t steadyUs();
  static int64_t unixUs();

 private:
  static constexpr size_t kBatch = 32;
  static constexpr int64_t kTickEveryUs = 20000;

  void run();
  void drainTasks();
  void readFrom(LoadPeer& peer, int64_t nowUs);

  unsigned index_;
  bool busyPoll_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex tasksMutex_;
  std::vector<std::function<void()>> tasks_;
  std::vector<std::shared_ptr<LoadPeer>> peers_;
  std::vector<LoadPeer*> publishers_;
  LatencyHistogram latency_;
  LatencyHistogram sendLateness_;
  SpreadTicker ticker_{kTickEveryUs};
  PacketBatch batch_;
  // Room for a whole coalesced (UDP GRO) message per slot: a server that sends a frame's
  // packets as one segmented message has them arrive as one.
  static constexpr size_t kReceiveSize = 65536;
  std::vector<uint8_t> receive_;
  std::array<std::array<uint8_t, 64>, kBatch> control_;
  std::array<iovec, kBatch> iov_;
  std::array<mmsghdr, kBatch> headers_;
};

}  // namespace parley::load
