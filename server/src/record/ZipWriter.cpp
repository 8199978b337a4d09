#include "record/ZipWriter.h"

extern "C" {
#include <libavutil/crc.h>
}

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>

#include <sys/stat.h>

#include <unistd.h>

namespace parley::record {

namespace {

constexpr std::uint32_t kFits = 0xFFFFFFFFu;  // a 32-bit field that says "see ZIP64"

void le16(std::vector<std::uint8_t>& out, std::uint64_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void le64(std::vector<std::uint8_t>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::uint32_t crc32(std::uint32_t crc, const void* data, std::size_t size) {
  // ZIP's CRC-32 is the reflected IEEE polynomial with pre- and post-inversion.
  static const AVCRC* table = av_crc_get_table(AV_CRC_32_IEEE_LE);
  return av_crc(table, crc, static_cast<const std::uint8_t*>(data), size);
}

std::string systemError(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

}  // namespace

std::unique_ptr<ZipWriter> ZipWriter::create(const std::string& path, Options options,
                                             std::string* error) {
  std::unique_ptr<ZipWriter> zip(new ZipWriter());
  zip->path_ = path;
  zip->options_ = options;
  zip->file_ = std::fopen((path + ".partial").c_str(), "wb");
  if (!zip->file_) {
    if (error) *error = systemError("cannot create " + path + ".partial");
    return nullptr;
  }
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  gmtime_r(&now, &local);
  zip->dosTime_ =
      static_cast<std::uint16_t>((local.tm_hour << 11) | (local.tm_min << 5) | (local.tm_sec / 2));
  zip->dosDate_ = static_cast<std::uint16_t>(((local.tm_year - 80) << 9) |
                                             ((local.tm_mon + 1) << 5) | local.tm_mday);
  return zip;
}

ZipWriter::~ZipWriter() {
  if (file_) {
    std::fclose(file_);
    if (!finished_) std::remove((path_ + ".partial").c_str());
  }
}

bool ZipWriter::put(const void* data, std::size_t size, std::string* error) {
  if (size && std::fwrite(data, 1, size, file_) != size) {
    if (error) *error = systemError("cannot write " + path_);
    return false;
  }
  offset_ += size;
  return true;
}

bool ZipWriter::addBytes(const std::string& name, std::string_view bytes, std::string* error) {
  return addEntry(
      name, bytes.size(),
      [&](std::uint32_t& crc) {
        crc = crc32(crc, bytes.data(), bytes.size());
        return put(bytes.data(), bytes.size(), error);
      },
      error);
}

bool ZipWriter::addFile(const std::string& name, const std::string& sourcePath,
                        std::string* error) {
  std::FILE* in = std::fopen(sourcePath.c_str(), "rb");
  struct stat info {};
  if (!in || ::fstat(fileno(in), &info) != 0) {
    if (error) *error = systemError("cannot read " + sourcePath);
    if (in) std::fclose(in);
    return false;
  }
  const auto size = static_cast<std::uint64_t>(info.st_size);
  const bool ok = addEntry(
      name, size,
      [&](std::uint32_t& crc) {
        std::vector<char> buffer(1 << 16);
        std::uint64_t copied = 0;
        while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in)) {
          crc = crc32(crc, buffer.data(), n);
          if (!put(buffer.data(), n, error)) return false;
          copied += n;
        }
        if (std::ferror(in)) {
          if (error) *error = systemError("cannot read " + sourcePath);
          return false;
        }
        if (copied != size) {
          if (error) *error = sourcePath + " changed while it was being archived";
          return false;
        }
        return true;
      },
      error);
  std::fclose(in);
  return ok;
}

// The data is copied once: its CRC, computed on the way, is patched into the local header
// afterwards (the size is known before, so the ZIP64 choice is too).
bool ZipWriter::addEntry(const std::string& name, std::uint64_t size,
                         const std::function<bool(std::uint32_t& crc)>& writeData,
                         std::string* error) {
  if (finished_) return false;
  if (name.empty() || name.size() > 0xFFFF) {
    if (error) *error = "bad entry name";
    return false;
  }
  const bool zip64 = options_.forceZip64 || size >= kFits || offset_ >= kFits;
  Entry entry{name, 0, size, offset_};
  std::vector<std::uint8_t> header;
  le32(header, 0x04034b50);
  le16(header, zip64 ? 45 : 20);  // version needed
  le16(header, 1 << 11);          // names are UTF-8
  le16(header, 0);                // stored
  le16(header, dosTime_);
  le16(header, dosDate_);
  le32(header, 0);  // CRC-32, patched below
  le32(header, zip64 ? kFits : size);
  le32(header, zip64 ? kFits : size);
  le16(header, name.size());
  le16(header, zip64 ? 20 : 0);
  header.insert(header.end(), name.begin(), name.end());
  if (zip64) {
    le16(header, 0x0001);
    le16(header, 16);
    le64(header, size);
    le64(header, size);
  }
  if (!put(header.data(), header.size(), error)) return false;
  std::uint32_t crc = 0xFFFFFFFFu;
  if (!writeData(crc)) return false;
  entry.crc = crc ^ 0xFFFFFFFFu;
  std::vector<std::uint8_t> crcBytes;
  le32(crcBytes, entry.crc);
  constexpr long kCrcOffset = 14;  // in the local file header
  if (std::fseek(file_, static_cast<long>(entry.offset) + kCrcOffset, SEEK_SET) != 0 ||
      std::fwrite(crcBytes.data(), 1, 4, file_) != 4 || std::fseek(file_, 0, SEEK_END) != 0) {
    if (error) *error = systemError("cannot write " + path_);
    return false;
  }
  entries_.push_back(std::move(entry));
  return true;
}

bool ZipWriter::finish(std::string* error) {
  if (finished_) return true;
  std::vector<std::uint8_t> directory;
  bool anyZip64 = options_.forceZip64;
  for (const Entry& e : entries_) {
    const bool bigSize = options_.forceZip64 || e.size >= kFits;
    const bool bigOffset = options_.forceZip64 || e.offset >= kFits;
    anyZip64 |= bigSize || bigOffset;
    std::vector<std::uint8_t> extra;
    if (bigSize || bigOffset) {
      le16(extra, 0x0001);
      le16(extra, (bigSize ? 16 : 0) + (bigOffset ? 8 : 0));
      if (bigSize) {
        le64(extra, e.size);
        le64(extra, e.size);
      }
      if (bigOffset) le64(extra, e.offset);
    }
    le32(directory, 0x02014b50);
    le16(directory, (3 << 8) | 45);  // made by: Unix, spec 4.5
    le16(directory, bigSize || bigOffset ? 45 : 20);
    le16(directory, 1 << 11);
    le16(directory, 0);
    le16(directory, dosTime_);
    le16(directory, dosDate_);
    le32(directory, e.crc);
    le32(directory, bigSize ? kFits : e.size);
    le32(directory, bigSize ? kFits : e.size);
    le16(directory, e.name.size());
    le16(directory, extra.size());
    le16(directory, 0);               // comment
    le16(directory, 0);               // disk
    le16(directory, 0);               // internal attributes
    le32(directory, 0100644u << 16);  // a regular file, rw-r--r--
    le32(directory, bigOffset ? kFits : e.offset);
    directory.insert(directory.end(), e.name.begin(), e.name.end());
    directory.insert(directory.end(), extra.begin(), extra.end());
  }
  const std::uint64_t directoryOffset = offset_;
  const std::uint64_t count = entries_.size();
  anyZip64 |= directoryOffset >= kFits || count >= 0xFFFF;
  if (!put(directory.data(), directory.size(), error)) return false;
  std::vector<std::uint8_t> end;
  if (anyZip64) {
    const std::uint64_t zip64EndOffset = offset_;
    le32(end, 0x06064b50);
    le64(end, 44);
    le16(end, (3 << 8) | 45);
    le16(end, 45);
    le32(end, 0);
    le32(end, 0);
    le64(end, count);
    le64(end, count);
    le64(end, directory.size());
    le64(end, directoryOffset);
    le32(end, 0x07064b50);  // locator
    le32(end, 0);
    le64(end, zip64EndOffset);
    le32(end, 1);
  }
  le32(end, 0x06054b50);
  le16(end, 0);
  le16(end, 0);
  le16(end, anyZip64 ? 0xFFFF : count);
  le16(end, anyZip64 ? 0xFFFF : count);
  le32(end, anyZip64 ? kFits : directory.size());
  le32(end, anyZip64 ? kFits : directoryOffset);
  le16(end, 0);
  if (!put(end.data(), end.size(), error)) return false;
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) {
    if (error) *error = systemError("cannot write " + path_);
    return false;
  }
  std::fclose(file_);
  file_ = nullptr;
  if (std::rename((path_ + ".partial").c_str(), path_.c_str()) != 0) {
    if (error) *error = systemError("cannot rename " + path_ + ".partial");
    std::remove((path_ + ".partial").c_str());
    return false;
  }
  finished_ = true;
  return true;
}

}  // namespace parley::record
