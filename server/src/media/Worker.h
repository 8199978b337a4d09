#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/MediaCounters.h"
#include "media/Router.h"
#include "media/WebRtcTransport.h"
#include "media/WorkerEvents.h"
#include "media/net/IceTcpConnection.h"
#include "media/net/PacketSink.h"
#include "media/net/SocketAddress.h"
#include "media/net/UdpSocket.h"

namespace parley::media {

class NodePipeEndpoint;

// A media worker: one thread, one event loop, one UDP port. Owns the routers of the
// sessions placed on it. Datagrams are read in batches, demultiplexed (RFC 7983) and handed
// to the transport they belong to (by ICE ufrag for STUN, by remote address otherwise);
// what the batch produces leaves in one sendmmsg. The address map mirrors the transports'
// own bounded tuple sets (WebRtcTransport::TupleListener), so it never outlives one.
class Worker final : public net::PacketSink, private WebRtcTransport::TupleListener {
 public:
  struct Settings {
    std::string bindIp = "127.0.0.1";
    uint16_t port = 0;
    unsigned testLossPercent = 0;  // test-only: share of RTP packets dropped each way
    bool udpSegmentation = true;   // UDP GSO for what the worker sends (net::UdpSocket)
    // The scheduler slice the worker's thread asks for (core::requestSchedulerSlice); 0:
    // the kernel's default.
    unsigned schedulerSliceUs = 0;
    // A port that only answers plain STUN Binding requests (the STUN server the session
    // info announces). It must not be a transport port: a browser drops ICE responses
    // that come from its STUN server's address. -1: none.
    int stunPort = -1;
    // A mirror of a stream from another node that hears nothing from its origin for this
    // long (no packet, no keepalive; the origin sends one a second) is removed as starved
    // (Router::tick, WorkerEvents::mirrorStarved).
    int64_t mirrorStarvedAfterUs = 5'000'000;
  };

  static constexpr size_t kMaxTcpConnections = 1024;
  // Datagrams queued before a flush: a packet fanned out to many subscribers fills it in one
  // go, and a frame's packets to one subscriber must meet in one flush to leave together.
  static constexpr size_t kSendSlots = 8192;
  // A peer's run of packets in a receive batch is flushed at least every this many packets:
  // a frame of up to 8 packets still leaves as one message per subscriber, and a keyframe
  // burst (20 packets and more) fills the queue only 8 x subscribers deep, not the whole
  // burst deep (at 1.6 KB a slot, that depth is the queue's resident memory).
  static constexpr size_t kFlushRunEvery = 8;

  Worker(unsigned index, Settings settings, WorkerEvents& events);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();
  unsigned index() const { return index_; }
  uint16_t port() const { return socket_.localPort(); }
  // The ICE-TCP (passive) port, the same number as the UDP one when it was free; 0: none.
  uint16_t tcpPort() const { return tcpPort_; }
  uint16_t stunPort() const { return stunSocket_ ? stunSocket_->localPort() : 0; }
  // Runs `fn` on the worker thread; datagrams it queues are flushed afterwards.
  void post(std::function<void()> fn);
  // Transports on this worker (placement reads it from the control thread).
  size_t load() const { return load_.load(std::memory_order_relaxed); }

  // ---- worker thread only ----
  Router& router(const std::string& sessionId);
  Router* findRouter(const std::string& sessionId);
  void removeRouterIfEmpty(const std::string& sessionId);
  const std::map<std::string, std::unique_ptr<Router>>& routers() const { return routers_; }
  net::UdpSocket& socket() { return socket_; }
  // Where transports send: UDP, or the ICE-TCP connection of a TCP peer address.
  uint8_t* reserve() override { return socket_.reserve(); }
  void commit(size_t size, const net::SocketAddress& to) override;
  WorkerEvents& events() { return events_; }
  boost::asio::io_context& io() { return io_; }
  MediaCounters& counters() { return counters_; }
  int64_t nowUs() const { return nowUs_; }
  bool dropForTest();
  unsigned testLossPercent() const { return settings_.testLossPercent; }
  int64_t mirrorStarvedAfterUs() const { return settings_.mirrorStarvedAfterUs; }
  // Registers `t` under its local ufrag (again after an ICE restart); its tuples are mapped
  // as it learns them. Unregistering forgets them all.
  void registerTransport(WebRtcTransport* t);
  void unregisterTransport(WebRtcTransport* t);
  // The transport non-STUN datagrams from `from` go to (tests, fuzzers).
  WebRtcTransport* transportAt(const net::SocketAddress& from) const;
  size_t mappedAddresses() const { return byAddress_.size(); }
  // Pipe datagrams from other nodes (NodePipeCodec) go to the endpoint registered under their
  // pipe id; the caller keeps it alive until it unregisters it. Worker thread only.
  // False when another endpoint holds the pipe id.
  bool registerNodePipe(NodePipeEndpoint* endpoint);
  void unregisterNodePipe(uint32_t pipeId);

  // Handles one datagram as if it had arrived on the socket (used by the loop and by
  // tests/benchmarks that drive a worker without a thread).
  void dispatch(uint8_t* data, size_t size, const net::SocketAddress& from);
  void tick();
  static int64_t steadyNowUs();

 private:
  // WebRtcTransport::TupleListener
  void onTupleAdded(WebRtcTransport& t, const net::SocketAddress& address) override;
  void onTupleRemoved(WebRtcTransport& t, const net::SocketAddress& address) override;
  void onTransportDestroyed(WebRtcTransport& t) override { unregisterTransport(&t); }

  void waitReadable();
  void onReadable();
  void waitStunReadable();
  void answerStun(uint8_t* data, size_t size, const net::SocketAddress& from,
                  net::UdpSocket& socket);
  void armTimer();
  void acceptTcp();

  unsigned index_;
  Settings settings_;
  WorkerEvents& events_;
  MediaCounters counters_;
  boost::asio::io_context io_{1};
  net::UdpSocket socket_;
  boost::asio::posix::stream_descriptor readable_;
  std::unique_ptr<net::UdpSocket> stunSocket_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> stunReadable_;
  boost::asio::steady_timer timer_;
  boost::asio::ip::tcp::acceptor tcpAcceptor_;
  uint16_t tcpPort_ = 0;
  std::unordered_map<net::SocketAddress::Key, std::shared_ptr<net::IceTcpConnection>,
                     net::SocketAddress::KeyHash>
      tcpConnections_;
  std::thread thread_;
  std::atomic<size_t> load_{0};
  int64_t nowUs_ = 0;
  uint64_t reportedDatagrams_ = 0;
  uint64_t reportedMessages_ = 0;
  uint64_t lossState_ = 0x9E3779B97F4A7C15ull;
  std::map<std::string, std::unique_ptr<Router>> routers_;
  std::unordered_map<std::string, WebRtcTransport*> byUfrag_;
  // Exactly the union of the registered transports' tuples.
  std::unordered_map<net::SocketAddress::Key, WebRtcTransport*, net::SocketAddress::KeyHash>
      byAddress_;
  // The ufrag each transport is registered under, so removing one does not scan byUfrag_.
  std::unordered_map<WebRtcTransport*, std::string> registrations_;
  std::unordered_map<uint32_t, NodePipeEndpoint*> nodePipes_;
};

}  // namespace parley::media
