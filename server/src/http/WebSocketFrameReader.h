#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace parley::http {

// Reads the frames a WebSocket client sends (RFC 6455 §5), from bytes as they arrive.
// The server negotiates no extension, so RSV bits are errors; client frames must be
// masked. Fragmented messages are joined here; control frames may arrive between
// fragments. Any violation is reported once, with the close code to answer with, and
// the reader then stays failed.
class WebSocketFrameReader {
 public:
  enum class Kind { None, Message, Ping, Pong, Close, Error };

  struct Event {
    Kind kind = Kind::None;
    bool binary = false;          // Message: binary (else text, valid UTF-8)
    std::string_view payload;     // Message/Ping/Pong: the unmasked payload; Close: the reason;
                                  // Error: a short description. Valid until the next call.
    std::uint16_t closeCode = 0;  // Close: the peer's code (1005 when it sent none);
                                  // Error: the code to close with (1002, 1007 or 1009)
  };

  explicit WebSocketFrameReader(std::size_t maxMessageBytes) : maxMessage_(maxMessageBytes) {}

  // Looks at the start of `input` (which it may unmask in place) for one whole frame.
  // Returns the bytes consumed (0 when more input is needed) and sets `event`: Kind::None
  // when a frame was consumed without completing anything (a fragment) or when more input
  // is needed. needBytes() then says how large the input must be for the next frame.
  std::size_t next(std::span<char> input, Event& event);

  // Bytes the next frame needs in `input` (header and payload), once its header was seen;
  // never more than the message limit plus a header.
  std::size_t needBytes() const { return need_; }
  bool failed() const { return failed_; }
  // Bytes held for a fragmented message that is not complete yet.
  std::size_t heldBytes() const { return fragments_.size(); }
  // Lets go of the fragment buffer's memory when no message is in progress.
  void releaseMemory();

  static bool isValidUtf8(std::string_view text);

 private:
  std::size_t fail(Event& event, std::uint16_t code, std::string_view why);

  std::size_t maxMessage_;
  std::size_t need_ = 2;
  bool failed_ = false;
  bool inMessage_ = false;  // a fragmented data message has started
  bool messageBinary_ = false;
  std::string fragments_;
};

}  // namespace parley::http
