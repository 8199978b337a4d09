#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace parley::record {

// Writes a ZIP archive of stored (uncompressed) entries: an individual-stream archive is a
// ZIP of already-compressed media files plus a JSON manifest, as OpenTok delivers it.
// ZIP64 records are written when an entry or the archive passes 4 GiB (or always, with
// `forceZip64`, for tests). The archive is built as `<path>.partial` and renamed on
// finish(), so a crash never leaves a truncated file under the final name.
class ZipWriter {
 public:
  struct Options {
    bool forceZip64 = false;
  };

  static std::unique_ptr<ZipWriter> create(const std::string& path, Options options,
                                           std::string* error);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  // Copies the file at `sourcePath` in as `name` (a relative path with '/' separators).
  bool addFile(const std::string& name, const std::string& sourcePath, std::string* error);
  bool addBytes(const std::string& name, std::string_view bytes, std::string* error);
  // Writes the central directory and renames the file into place.
  bool finish(std::string* error);

 private:
  struct Entry {
    std::string name;
    std::uint32_t crc = 0;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
  };

  ZipWriter() = default;
  // Writes the local header, then the data through `writeData`, which updates the CRC.
  bool addEntry(const std::string& name, std::uint64_t size,
                const std::function<bool(std::uint32_t& crc)>& writeData, std::string* error);
  bool put(const void* data, std::size_t size, std::string* error);

  std::string path_;
  Options options_;
  std::FILE* file_ = nullptr;
  std::uint64_t offset_ = 0;
  std::vector<Entry> entries_;
  std::uint16_t dosTime_ = 0;
  std::uint16_t dosDate_ = 0;
  bool finished_ = false;
};

}  // namespace parley::record
