#include "media/net/IceTcpConnection.h"

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
        size_t pos = 0;
        while (readFill_ - pos >= 2) {
          const size_t len = (static_cast<size_t>(readBuffer_[pos]) << 8) | readBuffer_[pos + 1];
          if (len == 0 || len > kMaxFrame) {
            fail();  // not RFC 4571 media: nothing to resynchronise on
            return;
          }
          if (readFill_ - pos - 2 < len) break;
          onPacket_(readBuffer_.data() + pos + 2, len, remote_);
          if (closed_) return;
          pos += 2 + len;
        }
        if (pos > 0) {
          std::memmove(readBuffer_.data(), readBuffer_.data() + pos, readFill_ - pos);
          readFill_ -= pos;
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
