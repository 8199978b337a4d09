#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "record/ArchiveIndex.h"

namespace parley::record {

// Turns an individual archive's directory (the stream files and index.json) into the ZIP
// OpenTok delivers for individual archives: every stream file at the top level and a JSON
// manifest named `<archiveId>.json` (see docs/media.md, "Individual archive files").
// Blocking file work: run it off the control thread (JobThread).
class ArchivePackager {
 public:
  struct Result {
    bool ok = false;
    std::string error;
    std::int64_t sizeBytes = 0;
    std::string sha256Hex;
    std::string sha256Base64;  // the same digest as OpenTok's archive JSON spells `sha256sum`
    std::int64_t durationMs = 0;
    std::size_t files = 0;
  };

  // Reads <archiveDir>/index.json and writes zipPath (through ZipWriter: <zip>.partial, then
  // a rename) holding every listed stream file that exists and the manifest, then computes
  // the ZIP's SHA-256 by reading it back. `durationMs` is the archive's length; a file whose
  // stop offset is -1 (the run died while it recorded) gets min(start + its own duration as
  // read from the file, durationMs), or durationMs when the file cannot be read; with
  // durationMs < 0 (unknown) the files' own lengths give it, and Result.durationMs is the
  // last stop. Files listed
  // but missing on disk are left out of the ZIP and the manifest. On failure nothing is left
  // under zipPath.
  static Result package(const std::string& archiveDir, const std::string& zipPath,
                        std::int64_t durationMs);
  // A composed archive's deliverable: the fragmented MP4 the composer wrote in the archive's
  // directory (kComposedFileName; whole, or cut off by a crash) rewritten into an ordinary MP4
  // at mp4Path (Mp4FileMuxer::finalize), with its size, SHA-256 and duration. On failure
  // nothing is left under mp4Path.
  static Result packageComposed(const std::string& archiveDir, const std::string& mp4Path);
  static constexpr const char* kComposedFileName = "composed.mp4";

  // Removes the listed stream files (and a composed archive's MP4), index.json (and a stray
  // index.json.tmp) and then the directory, if nothing else is left in it. Call it after a
  // successful package.
  static void removeSources(const std::string& archiveDir);
  // A finished ZIP's size and SHA-256, read back without packaging anything (a restart
  // adopts the ZIP of a packaging that ended just before the run died).
  static Result readBack(const std::string& zipPath);

  // The name of the manifest entry in the ZIP.
  static std::string manifestName(const ArchiveIndex& index) { return index.archiveId + ".json"; }
  // How far a media file's frames reach: the latest frame timestamp, in milliseconds from
  // the file's start; -1 when the file cannot be read or holds no frame. Reads the whole
  // file (without decoding): a file cut off by a crash has no duration in its header.
  static std::int64_t mediaDurationMs(const std::string& path);
};

}  // namespace parley::record
