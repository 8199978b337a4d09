#include "record/ArchivePackager.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <vector>

#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/Json.h"
#include "core/Sha256.h"
#include "record/MediaFileReader.h"
#include "record/Mp4FileMuxer.h"
#include "record/ZipWriter.h"

namespace parley::record {

namespace {

struct Entry {
  const ArchiveIndex::File* file;
  std::string path;
  std::int64_t size;
  std::int64_t stopMs;
};

// OpenTok's individual-archive manifest; keys in the order its own manifests list them.
std::string manifestText(const ArchiveIndex& index, const std::vector<Entry>& entries) {
  core::Json files = core::Json::array();
  for (const Entry& e : entries) {
    files.push(core::Json::object({{"connectionData", e.file->connectionData},
                                   {"filename", e.file->filename},
                                   {"size", e.size},
                                   {"startTimeOffset", e.file->startTimeOffsetMs},
                                   {"stopTimeOffset", e.stopMs},
                                   {"streamId", e.file->streamId}}));
  }
  return core::Json::object({{"createdAt", index.createdAtMs},
                             {"files", std::move(files)},
                             {"id", index.archiveId},
                             {"name", index.name},
                             {"sessionId", index.sessionId}})
      .dump();
}

// Reads the finished ZIP back: what is hashed is what is on disk.
bool hashFile(const std::string& path, ArchivePackager::Result& result) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (!in) {
    result.error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  core::Sha256 hash;
  std::vector<char> buffer(1 << 16);
  std::int64_t total = 0;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in)) {
    hash.update(buffer.data(), n);
    total += static_cast<std::int64_t>(n);
  }
  const bool failed = std::ferror(in) != 0;
  std::fclose(in);
  if (failed) {
    result.error = "cannot read " + path;
    return false;
  }
  const std::string digest = hash.finish();
  result.sizeBytes = total;
  result.sha256Hex = core::Crypto::toHex(digest);
  result.sha256Base64 = core::Base64::encode(digest);
  return true;
}

}  // namespace

std::int64_t ArchivePackager::mediaDurationMs(const std::string& path) {
  auto reader = MediaFileReader::open(path, nullptr);
  if (!reader) return -1;
  std::int64_t latest = -1;
  while (auto frame = reader->next()) latest = std::max(latest, frame->ptsMs);
  return latest;
}

ArchivePackager::Result ArchivePackager::package(const std::string& archiveDir,
                                                 const std::string& zipPath,
                                                 std::int64_t durationMs) {
  Result result;
  result.durationMs = std::max<std::int64_t>(0, durationMs);
  auto index = ArchiveIndex::load(archiveDir, &result.error);
  if (!index) return result;

  const std::string manifest = manifestName(*index);
  std::vector<Entry> entries;
  // A name listed twice, or named like the manifest, would make two entries of one name.
  std::set<std::string> names{manifest};
  for (const ArchiveIndex::File& f : index->files) {
    if (!names.insert(f.filename).second) continue;
    std::string path = archiveDir + "/" + f.filename;
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
      if (errno == ENOENT) continue;  // never written (no media came): left out
      result.error = "cannot read " + path + ": " + std::strerror(errno);
      return result;
    }
    // Not a file, or one that never got its header (no media before a crash): nothing
    // a player could open.
    if (!S_ISREG(info.st_mode) || info.st_size == 0) continue;
    std::int64_t stop = f.stopTimeOffsetMs;
    if (stop < 0) {
      // The run died while this file recorded: it reaches as far as its frames do.
      // With the archive's length unknown too (durationMs < 0), the file alone decides.
      const std::int64_t own = mediaDurationMs(path);
      if (durationMs < 0)
        stop = f.startTimeOffsetMs + std::max<std::int64_t>(0, own);
      else
        stop = own < 0 ? durationMs : std::min(f.startTimeOffsetMs + own, durationMs);
    }
    stop = std::max(stop, f.startTimeOffsetMs);
    if (durationMs < 0) result.durationMs = std::max<std::int64_t>(result.durationMs, stop);
    entries.push_back({&f, std::move(path), static_cast<std::int64_t>(info.st_size), stop});
  }

  {
    auto zip = ZipWriter::create(zipPath, {}, &result.error);
    if (!zip) return result;
    // The manifest first, so that a reader streaming the ZIP meets it before the media.
    if (!zip->addBytes(manifest, manifestText(*index, entries), &result.error)) return result;
    for (const Entry& e : entries)
      if (!zip->addFile(e.file->filename, e.path, &result.error)) return result;
    if (!zip->finish(&result.error)) return result;
  }
  if (!hashFile(zipPath, result)) {
    std::remove(zipPath.c_str());
    return result;
  }
  result.files = entries.size();
  result.ok = true;
  return result;
}

ArchivePackager::Result ArchivePackager::readBack(const std::string& zipPath) {
  Result result;
  result.ok = hashFile(zipPath, result);
  return result;
}

ArchivePackager::Result ArchivePackager::packageComposed(const std::string& archiveDir,
                                                         const std::string& mp4Path) {
  Result result;
  if (!Mp4FileMuxer::finalize(archiveDir + "/" + kComposedFileName, mp4Path, &result.durationMs,
                              &result.error))
    return result;
  if (!hashFile(mp4Path, result)) {
    std::remove(mp4Path.c_str());
    return result;
  }
  result.files = 1;
  result.ok = true;
  return result;
}

void ArchivePackager::removeSources(const std::string& archiveDir) {
  ::unlink((archiveDir + "/" + kComposedFileName).c_str());
  if (auto index = ArchiveIndex::load(archiveDir, nullptr)) {
    for (const ArchiveIndex::File& f : index->files)
      ::unlink((archiveDir + "/" + f.filename).c_str());
  }
  const std::string indexPath = archiveDir + "/" + ArchiveIndex::kFileName;
  ::unlink((indexPath + ".tmp").c_str());
  ::unlink(indexPath.c_str());
  ::rmdir(archiveDir.c_str());  // fails, harmlessly, while anything unlisted is left in it
}

}  // namespace parley::record
