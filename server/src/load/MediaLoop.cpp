#include "load/MediaLoop.h"

#include <netinet/udp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <future>
#include <limits>
#include <stdexcept>

namespace parley::load {

int64_t MediaLoop::steadyUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t MediaLoop::unixUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

MediaLoop::MediaLoop(unsigned index, bool busyPoll) : index_(index), busyPoll_(busyPoll) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("epoll/eventfd failed");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the wake-up descriptor
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  receive_.resize(kBatch * kReceiveSize);
  for (size_t i = 0; i < kBatch; ++i) {
    iov_[i] = {receive_.data() + i * kReceiveSize, kReceiveSize};
    headers_[i] = {};
    headers_[i].msg_hdr.msg_iov = &iov_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
}

MediaLoop::~MediaLoop() {
  stop();
  ::close(epoll_);
  ::close(wake_);
}

void MediaLoop::start() {
  thread_ = std::thread([this] { run(); });
}

void MediaLoop::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
  thread_.join();
}

void MediaLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(tasksMutex_);
    tasks_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void MediaLoop::call(const std::function<void()>& fn) {
  std::promise<void> done;
  post([&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

void MediaLoop::drainTasks() {
  uint64_t value;
  while (::read(wake_, &value, sizeof value) > 0) {
  }
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard lock(tasksMutex_);
    tasks.swap(tasks_);
  }
  for (auto& t : tasks) t();
}

void MediaLoop::add(std::shared_ptr<LoadPeer> peer) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = peer.get();
  epoll_ctl(epoll_, EPOLL_CTL_ADD, peer->fd(), &ev);
  peer->start(steadyUs(), &latency_, &sendLateness_);
  if (peer->kind() == LoadPeer::Kind::Publisher) publishers_.push_back(peer.get());
  peers_.push_back(std::move(peer));
}

void MediaLoop::readFrom(LoadPeer& peer, int64_t nowUs) {
  for (;;) {
    for (size_t i = 0; i < kBatch; ++i) {
      headers_[i].msg_hdr.msg_control = control_[i].data();
      headers_[i].msg_hdr.msg_controllen = control_[i].size();
    }
    int n = ::recvmmsg(peer.fd(), headers_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) return;
    const int64_t fallbackUnix = unixUs();
    for (int i = 0; i < n; ++i) {
      int64_t arrival = fallbackUnix;
      size_t segment = 0;
      msghdr& m = headers_[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
          arrival = static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
        } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
          int size = 0;
          std::memcpy(&size, CMSG_DATA(c), sizeof size);
          if (size > 0) segment = static_cast<size_t>(size);
        }
      }
      uint8_t* data = receive_.data() + static_cast<size_t>(i) * kReceiveSize;
      const size_t length = headers_[i].msg_len;
      if (segment == 0 || segment >= length) {
        peer.receive(data, length, nowUs, arrival);
        continue;
      }
      // Coalesced datagrams: segment-sized pieces, the last one possibly shorter.
      for (size_t offset = 0; offset < length; offset += segment)
        peer.receive(data + offset, std::min(segment, length - offset), nowUs, arrival);
    }
    if (static_cast<size_t>(n) < kBatch) return;
  }
}

void MediaLoop::run() {
  std::array<epoll_event, 256> events;
  while (!stopping_) {
    int64_t now = steadyUs();
    int64_t nextDue = std::numeric_limits<int64_t>::max();
    for (LoadPeer* p : publishers_) nextDue = std::min(nextDue, p->sendDue(now, batch_));
    int64_t unix = 0;
    ticker_.run(now, peers_.size(), [&](size_t i) {
      if (unix == 0) unix = unixUs();
      peers_[i]->tick(now, unix);
    });
    const int64_t wakeAt = std::min(nextDue, ticker_.nextDueUs(peers_.size()));
    int timeoutMs =
        busyPoll_ ? 0 : static_cast<int>(std::clamp<int64_t>((wakeAt - now + 999) / 1000, 0, 20));
    int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeoutMs);
    if (n < 0 && errno != EINTR) break;
    now = steadyUs();
    for (int i = 0; i < n; ++i) {
      auto* peer = static_cast<LoadPeer*>(events[i].data.ptr);
      if (!peer) {
        drainTasks();
        continue;
      }
      readFrom(*peer, now);
      // Frames fall due while a busy loop reads hundreds of sockets: sending them between
      // reads keeps each publisher on its own clock, as separate browsers are. Sent only
      // once the whole pass ends, every frame due in it would reach the server at once,
      // and the server's queueing of that burst would be measured as its latency.
      now = steadyUs();
      if (now >= nextDue) {
        nextDue = std::numeric_limits<int64_t>::max();
        for (LoadPeer* p : publishers_) nextDue = std::min(nextDue, p->sendDue(now, batch_));
      }
    }
  }
}

}  // namespace parley::load
