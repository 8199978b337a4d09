#pragma once

#include <optional>
#include <string>

#include "core/Json.h"
#include "store/ArchiveRecord.h"

namespace parley::session {

// The archive JSON of the REST API and of archive status callbacks (docs/protocol.md §3.4.2,
// §4.2), as the official server SDKs read it. `url` is the signed download link, given only
// while the archive is available.
class ArchiveJson {
 public:
  static core::Json render(const store::ArchiveRecord& archive,
                           const std::optional<std::string>& url);
  // What clients get in the session state and in `archive created` (docs/protocol.md §7.10).
  static core::Json clientView(const store::ArchiveRecord& archive);
  // OpenTok numbers projects; an API key made of digits goes out as a number, others as
  // the string they are.
  static core::Json projectId(const std::string& apiKey);
};

}  // namespace parley::session
