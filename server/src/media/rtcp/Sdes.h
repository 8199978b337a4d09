#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace parley::media::rtcp {

// RTCP SDES, packet type 202 (RFC 3550 §6.5): SC chunks, each an SSRC followed by
// items (type, length, text) ended by a zero octet and padding to a 32-bit boundary.
class Sdes {
 public:
  static constexpr uint8_t kCname = 1;

  struct Item {
    uint32_t ssrc = 0;
    uint8_t type = 0;
    std::string_view text;
  };

  // Walks the items in order without copying.
  class Cursor {
   public:
    explicit Cursor(const Sdes& sdes) : data_(sdes.data_), chunks_(sdes.count_) {}
    bool next(Item& item);

   private:
    const uint8_t* data_;
    size_t chunks_;
    size_t pos_ = 4;
    bool inChunk_ = false;
    uint32_t ssrc_ = 0;
  };

  static std::optional<Sdes> parse(const uint8_t* data, size_t size);
  // Writes one chunk with one CNAME item; returns the size or 0 if it does not fit.
  static size_t buildCname(uint8_t* out, size_t capacity, uint32_t ssrc, std::string_view cname);

  size_t chunkCount() const { return count_; }
  std::optional<std::string_view> cname(uint32_t ssrc) const;
  template <typename Visit>
  void forEachItem(Visit&& visit) const {
    Cursor c(*this);
    Item item;
    while (c.next(item)) visit(item);
  }

 private:
  Sdes(const uint8_t* data, size_t count) : data_(data), count_(count) {}
  const uint8_t* data_;
  size_t count_;
};

}  // namespace parley::media::rtcp
