#include "app/UrlSigningKey.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/Crypto.h"

namespace parley::app {

namespace {

std::string errnoText(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool writeAll(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

enum class ReadResult { Ok, Missing, Failed };

ReadResult readKey(const std::string& path, std::string& key, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return ReadResult::Missing;
    if (error) *error = errnoText("cannot open", path);
    return ReadResult::Failed;
  }
  struct stat st {};
  ReadResult result = ReadResult::Failed;
  if (::fstat(fd, &st) != 0) {
    if (error) *error = errnoText("cannot stat", path);
  } else if (!S_ISREG(st.st_mode)) {
    if (error) *error = path + " is not a regular file";
  } else if (static_cast<std::size_t>(st.st_size) != UrlSigningKey::kBytes) {
    if (error)
      *error = path + " has " + std::to_string(st.st_size) + " bytes, expected " +
               std::to_string(UrlSigningKey::kBytes) +
               " (remove it to make a new key; links already handed out stop working)";
  } else {
    std::string bytes(UrlSigningKey::kBytes, '\0');
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    if (done == bytes.size()) {
      key = std::move(bytes);
      result = ReadResult::Ok;
    } else if (error) {
      *error = "cannot read " + path;
    }
  }
  ::close(fd);
  return result;
}

// Writes a fresh key beside `path` and links it into place: link() never replaces, so of
// two parleyds starting on one data dir the second reads the first one's key, and nobody
// ever sees a half-written file.
ReadResult createKey(const std::string& dataDir, const std::string& path, std::string& key,
                     std::string* error) {
  std::string tmp = dataDir + "/." + UrlSigningKey::kFileName + ".XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600
  if (fd < 0) {
    if (error) *error = errnoText("cannot create", tmp);
    return ReadResult::Failed;
  }
  std::string bytes = core::Crypto::randomBytes(UrlSigningKey::kBytes);
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 && writeAll(fd, bytes) && ::fsync(fd) == 0;
  if (!ok && error) *error = errnoText("cannot write", tmp);
  ::close(fd);
  if (ok && ::link(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    if (errno == EEXIST) {
      ::unlink(tmp.c_str());
      ReadResult theirs = readKey(path, key, error);
      if (theirs == ReadResult::Missing && error) *error = path + " vanished while starting";
      return theirs == ReadResult::Ok ? ReadResult::Ok : ReadResult::Failed;
    }
    if (error) *error = errnoText("cannot create", path);
  }
  ::unlink(tmp.c_str());
  if (!ok) return ReadResult::Failed;
  if (int dir = ::open(dataDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  key = std::move(bytes);
  return ReadResult::Ok;
}

}  // namespace

std::optional<std::string> UrlSigningKey::loadOrCreate(const std::string& dataDir,
                                                       std::string* error) {
  const std::string path = dataDir + "/" + kFileName;
  std::string key;
  ReadResult r = readKey(path, key, error);
  if (r == ReadResult::Missing) r = createKey(dataDir, path, key, error);
  if (r != ReadResult::Ok) return std::nullopt;
  return key;
}

}  // namespace parley::app
