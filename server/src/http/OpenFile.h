#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace parley::http {

// A regular file opened read-only for a response body. Handlers open it while deciding
// the answer (a missing file is their 404); the server reads from the same descriptor,
// which closes when the last response or transfer holding it lets go.
class OpenFile {
 public:
  // nullptr when the path cannot be opened or is not a regular file; `error` says why.
  static std::shared_ptr<const OpenFile> open(const std::string& path,
                                              std::string* error = nullptr);
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  std::uint64_t size() const { return size_; }  // when opened
  // Up to `count` bytes at `offset` (pread): the count read, 0 at end of file, -1 on error.
  long long read(std::uint64_t offset, char* out, std::size_t count) const;

 private:
  OpenFile(int fd, std::uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  std::uint64_t size_;
};

}  // namespace parley::http
