// ArchiveIndex::parse on arbitrary text (index.json is read back from disk at start-up).
// Whatever is accepted must hold only plain file names and valid offsets, and must survive
// dump → parse unchanged.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "record/ArchiveIndex.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using parley::record::ArchiveIndex;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto index = ArchiveIndex::parse(input, nullptr);
  if (!index) return 0;
  if (!ArchiveIndex::isPlainName(index->archiveId) || index->createdAtMs < 0) std::abort();
  for (const auto& f : index->files) {
    if (!ArchiveIndex::isPlainName(f.filename) || f.filename.find('/') != std::string::npos ||
        f.filename == ".." || f.filename.size() > ArchiveIndex::kMaxNameLength)
      std::abort();
    if (f.startTimeOffsetMs < 0 || f.stopTimeOffsetMs < -1) std::abort();
  }
  const std::string text = index->dump();
  const auto again = ArchiveIndex::parse(text, nullptr);
  if (!again || again->dump() != text) std::abort();
  return 0;
}
