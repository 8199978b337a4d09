#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "media/net/SocketAddress.h"

namespace parley::media::net {

// One passive ICE-TCP connection (RFC 6544) with RFC 4571 framing: every packet is a
// 16-bit length then the bytes. Incoming frames are handed to `onPacket` in a mutable
// buffer (SRTP unprotects in place); outgoing ones are framed into a bounded buffer and
// written in the background. Buffers are allocated once per connection.
class IceTcpConnection : public std::enable_shared_from_this<IceTcpConnection> {
 public:
  static constexpr size_t kMaxFrame = 2048;          // larger frames close the connection
  static constexpr size_t kMaxPending = 512 * 1024;  // queued bytes; more are dropped

  using PacketHandler = std::function<void(uint8_t* data, size_t size, const SocketAddress& from)>;
  using ClosedHandler = std::function<void(const SocketAddress& remote)>;

  IceTcpConnection(boost::asio::ip::tcp::socket socket, PacketHandler onPacket,
                   ClosedHandler onClosed);

  void start();
  void close();
  const SocketAddress& remote() const { return remote_; }
  // Frames and queues one packet; false when the connection is gone or its buffer full.
  bool send(const uint8_t* data, size_t size);
  uint64_t dropped() const { return dropped_; }

 private:
  void readSome();
  void writeNext();
  void fail();

  boost::asio::ip::tcp::socket socket_;
  PacketHandler onPacket_;
  ClosedHandler onClosed_;
  SocketAddress remote_;
  std::vector<uint8_t> readBuffer_;
  size_t readFill_ = 0;
  std::vector<uint8_t> pending_;
  std::vector<uint8_t> inflight_;
  bool writing_ = false;
  bool closed_ = false;
  uint64_t dropped_ = 0;
};

}  // namespace parley::media::net
