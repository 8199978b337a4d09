#include "record/ArchiveIndex.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/Json.h"

namespace parley::record {

namespace {

std::string systemError(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

const core::Json* member(const core::Json& object, std::string_view key, core::Json::Type type,
                         const std::string& where, std::string* error) {
  const core::Json* value = object.find(key);
  if (!value) {
    fail(error, where + std::string(key) + " is missing");
    return nullptr;
  }
  if (value->type() != type) {
    fail(error, where + std::string(key) + " has the wrong type");
    return nullptr;
  }
  return value;
}

bool readString(const core::Json& object, std::string_view key, const std::string& where,
                std::string& out, std::string* error) {
  const core::Json* value = member(object, key, core::Json::Type::String, where, error);
  if (!value) return false;
  out = value->asString();
  return true;
}

bool readInteger(const core::Json& object, std::string_view key, const std::string& where,
                 std::int64_t min, std::int64_t& out, std::string* error) {
  const core::Json* value = member(object, key, core::Json::Type::Number, where, error);
  if (!value) return false;
  if (!value->isInteger()) return fail(error, where + std::string(key) + " is not an integer");
  if (value->asInt() < min) return fail(error, where + std::string(key) + " is out of range");
  out = value->asInt();
  return true;
}

}  // namespace

bool ArchiveIndex::isPlainName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameLength && name != "." &&
         name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos &&
         name.find("..") == std::string_view::npos;
}

std::string ArchiveIndex::dump() const {
  core::Json list = core::Json::array();
  for (const File& f : files) {
    list.push(core::Json::object({{"streamId", f.streamId},
                                  {"connectionData", f.connectionData},
                                  {"filename", f.filename},
                                  {"startTimeOffset", f.startTimeOffsetMs},
                                  {"stopTimeOffset", f.stopTimeOffsetMs}}));
  }
  return core::Json::object({{"archiveId", archiveId},
                             {"sessionId", sessionId},
                             {"name", name},
                             {"createdAt", createdAtMs},
                             {"files", std::move(list)}})
      .dump();
}

std::optional<ArchiveIndex> ArchiveIndex::parse(std::string_view text, std::string* error) {
  if (text.size() > kMaxBytes) {
    fail(error, "index is larger than 1 MiB");
    return std::nullopt;
  }
  std::string parseError;
  const auto json = core::Json::parse(text, &parseError, 8);
  if (!json) {
    fail(error, "index is not JSON: " + parseError);
    return std::nullopt;
  }
  if (!json->isObject()) {
    fail(error, "index is not a JSON object");
    return std::nullopt;
  }
  ArchiveIndex index;
  const std::string top = "index: ";
  if (!readString(*json, "archiveId", top, index.archiveId, error) ||
      !readString(*json, "sessionId", top, index.sessionId, error) ||
      !readString(*json, "name", top, index.name, error) ||
      !readInteger(*json, "createdAt", top, 0, index.createdAtMs, error))
    return std::nullopt;
  if (!isPlainName(index.archiveId)) {
    fail(error, "index: archiveId is not a plain name");
    return std::nullopt;
  }
  const core::Json* files = member(*json, "files", core::Json::Type::Array, top, error);
  if (!files) return std::nullopt;
  index.files.reserve(files->size());
  for (std::size_t i = 0; i < files->size(); ++i) {
    const core::Json& entry = files->at(i);
    const std::string where = "index: files[" + std::to_string(i) + "].";
    if (!entry.isObject()) {
      fail(error, "index: files[" + std::to_string(i) + "] is not an object");
      return std::nullopt;
    }
    File f;
    if (!readString(entry, "streamId", where, f.streamId, error) ||
        !readString(entry, "connectionData", where, f.connectionData, error) ||
        !readString(entry, "filename", where, f.filename, error) ||
        !readInteger(entry, "startTimeOffset", where, 0, f.startTimeOffsetMs, error) ||
        !readInteger(entry, "stopTimeOffset", where, -1, f.stopTimeOffsetMs, error))
      return std::nullopt;
    if (!isPlainName(f.filename)) {
      fail(error, where + "filename is not a plain name");
      return std::nullopt;
    }
    index.files.push_back(std::move(f));
  }
  return index;
}

bool ArchiveIndex::save(const std::string& archiveDir, std::string* error) const {
  const std::string path = archiveDir + "/" + kFileName;
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(error, systemError("cannot create " + temporary));
  const std::string text = dump();
  // close() can report a failed write too (NFS); the first error is the one kept.
  std::string writeError;
  if (!writeAll(fd, text) || ::fsync(fd) != 0)
    writeError = systemError("cannot write " + temporary);
  if (::close(fd) != 0 && writeError.empty()) writeError = systemError("cannot write " + temporary);
  if (!writeError.empty()) {
    ::unlink(temporary.c_str());
    return fail(error, writeError);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string message = systemError("cannot rename " + temporary);
    ::unlink(temporary.c_str());
    return fail(error, message);
  }
  // The rename is durable once the directory is; a failure here leaves a complete index
  // (old or new), so it is not reported.
  const int dir = ::open(archiveDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

std::optional<ArchiveIndex> ArchiveIndex::load(const std::string& archiveDir, std::string* error) {
  const std::string path = archiveDir + "/" + kFileName;
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) {
    fail(error, systemError("cannot read " + path));
    return std::nullopt;
  }
  // One byte past the limit tells "too large" from "exactly at the limit".
  std::string text(kMaxBytes + 1, '\0');
  const std::size_t n = std::fread(text.data(), 1, text.size(), in);
  const bool readError = std::ferror(in) != 0;
  std::fclose(in);
  if (readError) {
    fail(error, "cannot read " + path);
    return std::nullopt;
  }
  text.resize(n);
  return parse(text, error);
}

}  // namespace parley::record
