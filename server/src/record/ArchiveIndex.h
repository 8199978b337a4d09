#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::record {

// The sidecar `<archiveDir>/index.json` that an individual archive keeps up to date while it
// records (one entry per stream file, its stop offset filled in when the stream ends). After
// a crash it is all a restart has to finish the archive with: ArchivePackager reads it.
// The text is ours, but it sits on disk and is read back at start-up, so parse() trusts
// nothing in it.
struct ArchiveIndex {
  struct File {
    std::string streamId;
    std::string connectionData;
    std::string filename;  // plain file name inside archiveDir, e.g. "<streamId>.webm"
    std::int64_t startTimeOffsetMs = 0;  // from the archive's start
    std::int64_t stopTimeOffsetMs = -1;  // -1: still recording (or the run died)
  };

  std::string archiveId, sessionId, name;
  std::int64_t createdAtMs = 0;
  std::vector<File> files;

  static constexpr const char* kFileName = "index.json";
  static constexpr std::size_t kMaxBytes = 1024 * 1024;
  static constexpr std::size_t kMaxNameLength = 255;

  // Atomic: writes index.json.tmp, fsyncs, renames over index.json (then fsyncs the
  // directory, so that the rename itself survives a power cut).
  bool save(const std::string& archiveDir, std::string* error) const;
  static std::optional<ArchiveIndex> load(const std::string& archiveDir, std::string* error);
  // Parses the text of index.json; refuses (nullopt + error) anything malformed: more than
  // kMaxBytes, wrong types, a missing member, an archive id or file name that is not a plain
  // name (see isPlainName), a start offset < 0 or a stop offset < -1. Unknown members are
  // ignored.
  static std::optional<ArchiveIndex> parse(std::string_view text, std::string* error);
  std::string dump() const;

  // A name that stays inside the directory it is joined to: not empty, at most
  // kMaxNameLength bytes, no '/', '\\', NUL or "..", not ".".
  static bool isPlainName(std::string_view name);
};

}  // namespace parley::record
