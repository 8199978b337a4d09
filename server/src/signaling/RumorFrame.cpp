#include "signaling/RumorFrame.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace parley::signaling {
namespace {

// The format's own ceilings: counts are u8, string lengths u16, the length field u32.
constexpr std::size_t kMaxCount = std::numeric_limits<std::uint8_t>::max();
constexpr std::size_t kMaxStringBytes = std::numeric_limits<std::uint16_t>::max();
constexpr std::size_t kMaxLengthField = std::numeric_limits<std::uint32_t>::max();
// length + reserved + type + nAddr, then nHdr: the smallest frame (a bare PING) is 9 bytes.
constexpr std::size_t kFixedBytes = 4 + 2 + 1 + 1 + 1;

// A cursor over one message. Every read checks what is left first, so a hostile length
// prefix can only make a read fail, never reach past the end.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::string_view rest() const { return bytes_.substr(pos_); }

  bool u8(std::uint8_t& v) {
    if (remaining() < 1) return false;
    v = byteAt(pos_);
    pos_ += 1;
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>((byteAt(pos_) << 8) | byteAt(pos_ + 1));
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (remaining() < 4) return false;
    v = (std::uint32_t{byteAt(pos_)} << 24) | (std::uint32_t{byteAt(pos_ + 1)} << 16) |
        (std::uint32_t{byteAt(pos_ + 2)} << 8) | std::uint32_t{byteAt(pos_ + 3)};
    pos_ += 4;
    return true;
  }
  // A u16 length followed by that many bytes.
  bool string(std::string& out) {
    std::uint16_t len = 0;
    if (!u16(len) || remaining() < len) return false;
    out.assign(bytes_.substr(pos_, len));
    pos_ += len;
    return true;
  }

 private:
  std::uint8_t byteAt(std::size_t i) const { return static_cast<std::uint8_t>(bytes_[i]); }

  std::string_view bytes_;
  std::size_t pos_ = 0;
};

void putU8(std::string& out, std::size_t v) {
  out += static_cast<char>(v & 0xFF);
}
void putU16(std::string& out, std::size_t v) {
  putU8(out, v >> 8);
  putU8(out, v);
}
void putU32(std::string& out, std::size_t v) {
  putU16(out, v >> 16);
  putU16(out, v);
}

// Callers are asserted not to exceed the u16 length; in release builds the string is cut so
// that the frame stays well-formed rather than desynchronising the client's decoder.
std::string_view fitString(std::string_view s) {
  assert(s.size() <= kMaxStringBytes && "Rumor string longer than 65535 bytes");
  return s.substr(0, std::min(s.size(), kMaxStringBytes));
}

void putString(std::string& out, std::string_view s) {
  putU16(out, s.size());
  out += s;
}

std::optional<RumorFrame> fail(std::string* error, std::string reason) {
  if (error) *error = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> RumorFrame::header(std::string_view key) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it)
    if (it->first == key) return std::string_view(it->second);
  return std::nullopt;
}

void RumorFrame::setHeader(std::string_view key, std::string_view value) {
  // Replace the occurrence header() would report, so a duplicate cannot shadow the new value.
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == key) {
      it->second.assign(value);
      return;
    }
  }
  headers.emplace_back(std::string(key), std::string(value));
}

std::optional<RumorFrame> RumorFrame::parse(std::string_view bytes, const Limits& limits,
                                            std::string* error) {
  // Checked before anything else so an oversized message costs no allocation.
  if (bytes.size() > limits.maxFrameBytes)
    return fail(error, "frame of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                           std::to_string(limits.maxFrameBytes));
  if (bytes.size() < kFixedBytes)
    return fail(error, "frame of " + std::to_string(bytes.size()) + " bytes is shorter than " +
                           std::to_string(kFixedBytes));

  Reader in(bytes);
  std::uint32_t length = 0;
  std::uint16_t reserved = 0;  // ignored: the client never reads it either
  std::uint8_t nAddr = 0;
  RumorFrame frame;
  // The size check above guarantees these fixed fields are present.
  in.u32(length);
  in.u16(reserved);
  in.u8(frame.type);
  in.u8(nAddr);
  // One frame per WebSocket message: a mismatch means a corrupt or concatenated frame.
  if (std::size_t{length} != bytes.size() - 4)
    return fail(error, "length field " + std::to_string(length) + " does not match the " +
                           std::to_string(bytes.size() - 4) + " bytes that follow it");

  if (nAddr > limits.maxAddresses)
    return fail(error, std::to_string(nAddr) + " addresses exceed the limit of " +
                           std::to_string(limits.maxAddresses));
  frame.addresses.resize(nAddr);
  for (std::size_t i = 0; i < nAddr; ++i) {
    if (!in.string(frame.addresses[i]))
      return fail(error, "address " + std::to_string(i) + " truncated at byte " +
                             std::to_string(in.offset()));
  }

  std::uint8_t nHdr = 0;
  if (!in.u8(nHdr))
    return fail(error, "header count missing at byte " + std::to_string(in.offset()));
  if (nHdr > limits.maxHeaders)
    return fail(error, std::to_string(nHdr) + " headers exceed the limit of " +
                           std::to_string(limits.maxHeaders));
  frame.headers.resize(nHdr);
  for (std::size_t i = 0; i < nHdr; ++i) {
    auto& [key, value] = frame.headers[i];
    if (!in.string(key) || !in.string(value))
      return fail(error, "header " + std::to_string(i) + " truncated at byte " +
                             std::to_string(in.offset()));
  }

  frame.payload.assign(in.rest());
  return frame;
}

std::string RumorFrame::serialize() const {
  std::string out;
  serializeTo(out);
  return out;
}

void RumorFrame::serializeTo(std::string& out) const {
  assert(addresses.size() <= kMaxCount && "more than 255 Rumor addresses");
  assert(headers.size() <= kMaxCount && "more than 255 Rumor headers");
  // Release builds drop what does not fit (see fitString) instead of writing a count that
  // disagrees with the entries that follow.
  const std::size_t nAddr = std::min(addresses.size(), kMaxCount);
  const std::size_t nHdr = std::min(headers.size(), kMaxCount);

  std::size_t size = kFixedBytes;
  for (std::size_t i = 0; i < nAddr; ++i) size += 2 + fitString(addresses[i]).size();
  for (std::size_t i = 0; i < nHdr; ++i)
    size += 4 + fitString(headers[i].first).size() + fitString(headers[i].second).size();
  assert(size - 4 + payload.size() <= kMaxLengthField && "Rumor frame larger than 4 GiB");
  const std::string_view body =
      std::string_view(payload).substr(0, std::min(payload.size(), kMaxLengthField - (size - 4)));
  size += body.size();

  out.reserve(out.size() + size);
  putU32(out, size - 4);
  putU16(out, 0);  // reserved
  putU8(out, type);
  putU8(out, nAddr);
  for (std::size_t i = 0; i < nAddr; ++i) putString(out, fitString(addresses[i]));
  putU8(out, nHdr);
  for (std::size_t i = 0; i < nHdr; ++i) {
    putString(out, fitString(headers[i].first));
    putString(out, fitString(headers[i].second));
  }
  out += body;
}

}  // namespace parley::signaling
