#include "media/rtcp/Sdes.h"

#include <cstring>

#include "media/ByteOrder.h"
#include "media/rtcp/RtcpHeader.h"

namespace parley::media::rtcp {

namespace {

// Length of the chunk at `pos` (SSRC, items, terminator, padding), or 0 if malformed.
size_t chunkLength(const uint8_t* data, size_t pos, size_t end) {
  if (end - pos < 4) return 0;
  size_t i = pos + 4;
  while (true) {
    if (i >= end) return 0;
    if (data[i] == 0) break;  // end of items
    if (end - i < 2) return 0;
    const size_t len = data[i + 1];
    if (len > end - i - 2) return 0;
    i += 2 + len;
  }
  ++i;  // the terminating zero
  const size_t padded = (i + 3) & ~static_cast<size_t>(3);
  if (padded > end) return 0;
  return padded - pos;
}

}  // namespace

std::optional<Sdes> Sdes::parse(const uint8_t* data, size_t size) {
  const auto h = RtcpHeader::parse(data, size);
  if (!h || h->packetType() != RtcpHeader::kSdes) return std::nullopt;
  const size_t end = h->contentSize();
  size_t pos = RtcpHeader::kSize;
  for (size_t c = 0; c < h->count(); ++c) {
    const size_t len = chunkLength(data, pos, end);
    if (len == 0) return std::nullopt;
    pos += len;
  }
  return Sdes(data, h->count());
}

bool Sdes::Cursor::next(Item& item) {
  while (true) {
    if (!inChunk_) {
      if (chunks_ == 0) return false;
      --chunks_;
      ssrc_ = ByteOrder::read32(data_ + pos_);
      pos_ += 4;
      inChunk_ = true;
    }
    if (data_[pos_] == 0) {  // terminator: skip to the next 32-bit boundary
      pos_ = (pos_ + 1 + 3) & ~static_cast<size_t>(3);
      inChunk_ = false;
      continue;
    }
    item.ssrc = ssrc_;
    item.type = data_[pos_];
    const size_t len = data_[pos_ + 1];
    item.text = std::string_view(reinterpret_cast<const char*>(data_ + pos_ + 2), len);
    pos_ += 2 + len;
    return true;
  }
}

std::optional<std::string_view> Sdes::cname(uint32_t ssrc) const {
  Cursor c(*this);
  Item item;
  while (c.next(item))
    if (item.ssrc == ssrc && item.type == kCname) return item.text;
  return std::nullopt;
}

size_t Sdes::buildCname(uint8_t* out, size_t capacity, uint32_t ssrc, std::string_view cname) {
  if (out == nullptr || cname.size() > 255) return 0;
  const size_t unpadded = RtcpHeader::kSize + 4 + 2 + cname.size() + 1;
  const size_t total = (unpadded + 3) & ~static_cast<size_t>(3);
  if (capacity < total) return 0;
  RtcpHeader::write(out, 1, RtcpHeader::kSdes, total);
  ByteOrder::write32(out + 4, ssrc);
  out[8] = kCname;
  out[9] = static_cast<uint8_t>(cname.size());
  if (!cname.empty()) std::memcpy(out + 10, cname.data(), cname.size());
  std::memset(out + 10 + cname.size(), 0, total - 10 - cname.size());
  return total;
}

}  // namespace parley::media::rtcp
