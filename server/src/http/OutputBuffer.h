#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace parley::http {

// Bytes waiting to be written to one socket, kept in blocks of at most kBlockBytes. A
// backlog grows by adding blocks, never by moving what is queued (a thousand sockets
// each doubling a megabyte-sized buffer in the same fan-out would copy a gigabyte), and
// a write takes at most one block. The block being written is sealed: appends never
// touch memory a write is reading. An empty buffer holds no memory.
class OutputBuffer {
 public:
  static constexpr std::size_t kBlockBytes = 64 * 1024;

  void append(std::string_view bytes);
  // The next bytes to write (the rest of the front block); seals it. Empty when empty.
  std::string_view front();
  // `bytes` of front() were written.
  void consume(std::size_t bytes);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Forgets everything queued (the peer is gone); its memory too.
  void clear();

 private:
  // [first_, end) hold the queued bytes. Every block reserves heap storage (never the
  // string's inline buffer), so moving the strings (the vector growing) never moves bytes
  // a write is reading.
  std::vector<std::string> blocks_;
  std::size_t first_ = 0;
  std::size_t offset_ = 0;  // bytes of blocks_[first_] already written
  std::size_t size_ = 0;
  bool backSealed_ = false;  // a write reads the back block: the next append starts another
};

}  // namespace parley::http
