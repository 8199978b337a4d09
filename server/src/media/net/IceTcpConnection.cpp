#include "media/net/IceTcpConnection.h"

#include "media/net/Rfc4571Framer.h"

#include <boost/asio/write.hpp>
#include <cstring>

namespace parley::media::net {

IceTcpConnection::IceTcpConnection(boost::asio::ip::tcp::socket socket, PacketHandler onPacket,
                                   ClosedHandler onClosed)
    : socket_(std::move(socket)), onPacket_(std::move(onPacket)), onClosed_(std::move(onClosed)) {
  boost::system::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec)
    remote_ = SocketAddress::fromSockaddr(endpoint.data(), static_cast<socklen_t>(endpoint.size()));
  remote_.setTcp(true);
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  readBuffer_.resize(64 * 1024);
  pending_.reserve(kMaxPending);
  inflight_.reserve(kMaxPending);
}

void IceTcpConnection::start() {
  readSome();
}

void IceTcpConnection::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
}

void IceTcpConnection::fail() {
  if (closed_) return;
  close();
  if (onClosed_) onClosed_(remote_);
}

void IceTcpConnection::readSome() {
  auto self = shared_from_this();
  socket_.async_read_some(
      boost::asio::buffer(readBuffer_.data() + readFill_, readBuffer_.size() - readFill_),
      [this, self](const boost::system::error_code& ec, size_t n) {
        if (ec || closed_) {
          fail();
          return;
        }
        readFill_ += n;
        auto consumed = Rfc4571Framer::split(readBuffer_.data(), readFill_, kMaxFrame,
                                             [this](uint8_t* frame, size_t len) {
                                               onPacket_(frame, len, remote_);
                                               return !closed_;
                                             });
        if (!consumed) {
          fail();  // not RFC 4571 media: nothing to resynchronise on
          return;
        }
        if (closed_) return;
        if (*consumed > 0) {
          std::memmove(readBuffer_.data(), readBuffer_.data() + *consumed, readFill_ - *consumed);
          readFill_ -= *consumed;
        }
        readSome();
      });
}

bool IceTcpConnection::send(const uint8_t* data, size_t size) {
  if (closed_ || size == 0 || size > 0xFFFF) return false;
  if (pending_.size() + size + 2 > kMaxPending) {
    ++dropped_;
    return false;
  }
  pending_.push_back(static_cast<uint8_t>(size >> 8));
  pending_.push_back(static_cast<uint8_t>(size));
  pending_.insert(pending_.end(), data, data + size);
  if (!writing_) writeNext();
  return true;
}

void IceTcpConnection::writeNext() {
  if (pending_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  inflight_.swap(pending_);
  pending_.clear();
  auto self = shared_from_this();
  boost::asio::async_write(socket_, boost::asio::buffer(inflight_),
                           [this, self](const boost::system::error_code& ec, size_t) {
                             inflight_.clear();
                             if (ec) {
                               fail();
                               return;
                             }
                             writeNext();
                           });
}

}  // namespace parley::media::net
