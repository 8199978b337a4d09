#include "media/Worker.h"

#include <boost/asio/post.hpp>
#include <chrono>
#include <utility>

#include "core/SchedulerSlice.h"
#include "core/ThreadName.h"
#include "media/Demux.h"
#include "media/NodePipeCodec.h"
#include "media/NodePipeEndpoint.h"
#include "media/WebRtcTransport.h"
#include "media/stun/StunMessage.h"
#include "obs/Logger.h"

namespace parley::media {

using obs::Logger;

namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(10);
}

Worker::Worker(unsigned index, Settings settings, WorkerEvents& events)
    : index_(index),
      settings_(std::move(settings)),
      events_(events),
      counters_(MediaCounters::forWorker(index)),
      socket_(settings_.bindIp, settings_.port, kSendSlots),
      readable_(io_, socket_.fd()),
      timer_(io_),
      tcpAcceptor_(io_) {
  nowUs_ = steadyNowUs();
  socket_.setSegmentation(settings_.udpSegmentation);
  // ICE-TCP next to UDP, for browsers that cannot use UDP (RFC 6544 passive candidates): on
  // the same port number when one was configured; with "any port" (tests), any free TCP port,
  // since the UDP port's number may well be taken for TCP by another process.
  try {
    auto address = boost::asio::ip::make_address(settings_.bindIp);
    boost::asio::ip::tcp::endpoint endpoint(address, settings_.port == 0 ? 0 : socket_.localPort());
    tcpAcceptor_.open(endpoint.protocol());
    tcpAcceptor_.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true));
    tcpAcceptor_.bind(endpoint);
    tcpAcceptor_.listen();
    tcpPort_ = tcpAcceptor_.local_endpoint().port();
  } catch (const std::exception& e) {
    Logger::warn("media worker: no ICE-TCP",
                 {{"worker", static_cast<long long>(index)}, {"error", e.what()}});
    boost::system::error_code ec;
    tcpAcceptor_.close(ec);
  }
  if (settings_.stunPort >= 0) {
    stunSocket_ = std::make_unique<net::UdpSocket>(settings_.bindIp,
                                                   static_cast<uint16_t>(settings_.stunPort));
    stunReadable_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, stunSocket_->fd());
  }
}

Worker::~Worker() {
  stop();
  routers_.clear();
  readable_.release();  // the UdpSocket owns the descriptor
  if (stunReadable_) stunReadable_->release();
}

int64_t Worker::steadyNowUs() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

void Worker::start() {
  waitReadable();
  if (tcpPort_) acceptTcp();
  if (stunSocket_) waitStunReadable();
  armTimer();
  thread_ = std::thread([this] {
    core::nameThisThread("media-" + std::to_string(index_));
    const bool sliced =
        settings_.schedulerSliceUs &&
        core::requestSchedulerSlice(std::chrono::microseconds(settings_.schedulerSliceUs));
    Logger::info("media worker started",
                 {{"worker", static_cast<long long>(index_)},
                  {"port", static_cast<long long>(port())},
                  {"slice_us", static_cast<long long>(sliced ? settings_.schedulerSliceUs : 0)}});
    io_.run();
  });
}

void Worker::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    boost::system::error_code ec;
    readable_.cancel(ec);
    tcpAcceptor_.close(ec);
    for (auto& [key, c] : tcpConnections_) c->close();
    tcpConnections_.clear();
    if (stunReadable_) stunReadable_->cancel(ec);
    timer_.cancel();
    routers_.clear();
    io_.stop();
  });
  thread_.join();
}

void Worker::post(std::function<void()> fn) {
  boost::asio::post(io_, [this, fn = std::move(fn)] {
    nowUs_ = steadyNowUs();
    fn();
    socket_.flush();
  });
}

bool Worker::dropForTest() {
  if (settings_.testLossPercent == 0) return false;
  // xorshift64: cheap and deterministic enough for a test hook.
  lossState_ ^= lossState_ << 13;
  lossState_ ^= lossState_ >> 7;
  lossState_ ^= lossState_ << 17;
  return lossState_ % 100 < settings_.testLossPercent;
}

Router& Worker::router(const std::string& sessionId) {
  auto& r = routers_[sessionId];
  if (!r) r = std::make_unique<Router>(*this, sessionId);
  return *r;
}

Router* Worker::findRouter(const std::string& sessionId) {
  auto it = routers_.find(sessionId);
  return it == routers_.end() ? nullptr : it->second.get();
}

void Worker::removeRouterIfEmpty(const std::string& sessionId) {
  auto it = routers_.find(sessionId);
  if (it != routers_.end() && it->second->empty()) routers_.erase(it);
}

void Worker::registerTransport(WebRtcTransport* t) {
  auto [it, added] = registrations_.try_emplace(t);
  if (!added) byUfrag_.erase(it->second);  // re-registered after an ICE restart
  it->second = t->localUfrag();
  byUfrag_[it->second] = t;
  if (added) load_.fetch_add(1, std::memory_order_relaxed);
  t->setTupleListener(this);
}

void Worker::unregisterTransport(WebRtcTransport* t) {
  auto it = registrations_.find(t);
  if (it == registrations_.end()) return;
  if (auto u = byUfrag_.find(it->second); u != byUfrag_.end() && u->second == t) byUfrag_.erase(u);
  t->forgetTuples();
  t->setTupleListener(nullptr);
  registrations_.erase(it);
  load_.fetch_sub(1, std::memory_order_relaxed);
}

WebRtcTransport* Worker::transportAt(const net::SocketAddress& from) const {
  auto it = byAddress_.find(from.key());
  return it == byAddress_.end() ? nullptr : it->second;
}

void Worker::onTupleAdded(WebRtcTransport& t, const net::SocketAddress& address) {
  auto [it, added] = byAddress_.try_emplace(address.key(), &t);
  if (added || it->second == &t) return;
  // The address checked in for another transport (another credential from the same port):
  // the previous one stops answering to it, which erases it here, then the newcomer has it.
  it->second->forgetTuple(address);
  byAddress_[address.key()] = &t;
}

void Worker::onTupleRemoved(WebRtcTransport& t, const net::SocketAddress& address) {
  if (auto it = byAddress_.find(address.key()); it != byAddress_.end() && it->second == &t)
    byAddress_.erase(it);
}

void Worker::waitReadable() {
  readable_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                       [this](const boost::system::error_code& ec) {
                         if (ec) return;
                         onReadable();
                         waitReadable();
                       });
}

void Worker::acceptTcp() {
  tcpAcceptor_.async_accept(
      [this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted) return;
        if (!ec) {
          if (tcpConnections_.size() >= kMaxTcpConnections) {
            boost::system::error_code ignored;
            socket.close(ignored);
          } else {
            auto c = std::make_shared<net::IceTcpConnection>(
                std::move(socket),
                [this](uint8_t* data, size_t size, const net::SocketAddress& from) {
                  nowUs_ = steadyNowUs();
                  dispatch(data, size, from);
                  socket_.flush();
                },
                [this](const net::SocketAddress& remote) {
                  // Posted: the connection is still inside its own completion handler.
                  boost::asio::post(io_, [this, remote] {
                    tcpConnections_.erase(remote.key());
                    if (WebRtcTransport* t = transportAt(remote)) t->forgetTuple(remote);
                  });
                });
            tcpConnections_[c->remote().key()] = c;
            c->start();
          }
        }
        acceptTcp();
      });
}

void Worker::commit(size_t size, const net::SocketAddress& to) {
  if (!to.isTcp()) {
    socket_.commit(size, to);
    return;
  }
  // The packet sits in the UDP slot reserve() handed out; it stays unused (and is handed
  // out again) once the TCP connection has copied the bytes into its framing buffer.
  auto it = tcpConnections_.find(to.key());
  if (it != tcpConnections_.end()) it->second->send(socket_.reserve(), size);
}

void Worker::waitStunReadable() {
  stunReadable_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this](const boost::system::error_code& ec) {
                              if (ec) return;
                              size_t n = stunSocket_->receiveBatch();
                              for (size_t i = 0; i < n; ++i)
                                answerStun(stunSocket_->received(i), stunSocket_->receivedSize(i),
                                           stunSocket_->receivedFrom(i), *stunSocket_);
                              stunSocket_->flush();
                              waitStunReadable();
                            });
}

void Worker::answerStun(uint8_t* data, size_t size, const net::SocketAddress& from,
                        net::UdpSocket& socket) {
  auto msg = stun::StunMessage::parse(data, size);
  if (!msg || msg->type() != stun::StunMessage::kBindingRequest) return;
  // A plain STUN server answer: the browser learns its server-reflexive address.
  uint8_t* out = socket.reserve();
  size_t n = stun::StunMessage::buildBindingSuccess(out, net::PacketSink::kSlotSize,
                                                    msg->transactionId(), from.toStun(), {});
  if (n) socket.commit(n, from);
}

void Worker::onReadable() {
  for (int round = 0; round < 8; ++round) {
    size_t n = socket_.receiveBatch();
    if (n == 0) break;
    nowUs_ = steadyNowUs();
    net::SocketAddress from = socket_.receivedFrom(0);
    size_t run = 0;  // datagrams of the current peer dispatched since the last flush
    for (size_t i = 0; i < n; ++i) {
      uint8_t* data = socket_.received(i);
      const size_t size = socket_.receivedSize(i);
      const bool endsFrame = Demux::classify(data, size) == PacketKind::Rtp && (data[1] & 0x80);
      dispatch(data, size, from);
      ++run;
      if (i + 1 == n) break;
      // What one peer's packets fanned out leaves once its run in the batch ends (or its
      // frame does), instead of waiting for every other peer's fan-out in the batch: under
      // load a batch holds many publishers' packets. Within a run, a frame's packets stay
      // together, so each subscriber's share still leaves as one segmented message.
      net::SocketAddress next = socket_.receivedFrom(i + 1);
      if (endsFrame || !(next == from) || run == kFlushRunEvery) {
        socket_.flush();
        run = 0;
      }
      from = next;
    }
    socket_.flush();
    if (n < net::UdpSocket::kBatch) break;
  }
}

void Worker::dispatch(uint8_t* data, size_t size, const net::SocketAddress& from) {
  counters_.datagramsReceived.add();
  const PacketKind kind = Demux::classify(data, size);
  if (kind == PacketKind::Stun) {
    auto msg = stun::StunMessage::parse(data, size);
    if (!msg || msg->type() != stun::StunMessage::kBindingRequest) {
      counters_.datagramsDropped.add();
      return;
    }
    auto username = msg->username();
    if (!username) {
      answerStun(data, size, from, socket_);
      return;
    }
    auto colon = username->find(':');
    auto it = byUfrag_.find(std::string(username->substr(0, colon)));
    if (it == byUfrag_.end()) {
      counters_.datagramsDropped.add();
      return;
    }
    // A valid check makes `from` a tuple of the transport, which maps it here.
    it->second->onStun(*msg, from, nowUs_ / 1000);
    return;
  }
  if (kind == PacketKind::NodePipe) {
    uint32_t pipeId = 0;
    auto pipe = NodePipeCodec::peekPipeId(std::span<const uint8_t>(data, size), pipeId)
                    ? nodePipes_.find(pipeId)
                    : nodePipes_.end();
    if (pipe == nodePipes_.end()) {
      counters_.datagramsDropped.add();
      return;
    }
    pipe->second->onDatagram(data, size, from, nowUs_);
    return;
  }
  auto it = byAddress_.find(from.key());
  if (it == byAddress_.end()) {
    counters_.datagramsDropped.add();
    return;
  }
  switch (kind) {
    case PacketKind::Dtls:
      it->second->onDtls(data, size, from);
      break;
    case PacketKind::Rtp:
      it->second->onSrtp(data, size, false, from, nowUs_);
      break;
    case PacketKind::Rtcp:
      it->second->onSrtp(data, size, true, from, nowUs_);
      break;
    default:
      counters_.datagramsDropped.add();
  }
}

bool Worker::registerNodePipe(NodePipeEndpoint* endpoint) {
  return nodePipes_.try_emplace(endpoint->pipeId(), endpoint).second;
}

void Worker::unregisterNodePipe(uint32_t pipeId) {
  nodePipes_.erase(pipeId);
}

void Worker::tick() {
  nowUs_ = steadyNowUs();
  for (auto it = routers_.begin(); it != routers_.end();) {
    it->second->tick(nowUs_);
    ++it;
  }
  socket_.flush();
  // The socket and the sinks count on this thread alone; /metrics gets the news every tick.
  counters_.rtpForwarded.add(std::exchange(counters_.rtpForwardedUnreported, 0));
  counters_.datagramsSent.add(socket_.datagramsSent() - reportedDatagrams_);
  counters_.messagesSent.add(socket_.messagesSent() - reportedMessages_);
  reportedDatagrams_ = socket_.datagramsSent();
  reportedMessages_ = socket_.messagesSent();
}

void Worker::armTimer() {
  timer_.expires_after(kTickInterval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    tick();
    armTimer();
  });
}

}  // namespace parley::media
