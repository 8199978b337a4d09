#include "http/OpenFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parley::http {

std::shared_ptr<const OpenFile> OpenFile::open(const std::string& path, std::string* error) {
  // O_NONBLOCK: a FIFO planted at the path must not hang the control thread in open().
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (error) *error = std::strerror(errno);
    return nullptr;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (error) *error = "not a regular file";
    ::close(fd);
    return nullptr;
  }
  return std::shared_ptr<const OpenFile>(new OpenFile(fd, static_cast<std::uint64_t>(st.st_size)));
}

OpenFile::~OpenFile() {
  ::close(fd_);
}

long long OpenFile::read(std::uint64_t offset, char* out, std::size_t count) const {
  while (true) {
    ssize_t n = ::pread(fd_, out, count, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

}  // namespace parley::http
