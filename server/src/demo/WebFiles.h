#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace parley::demo {

// The demo web app (web/demo): read once at start, so requests never touch the disk and
// nothing added to the directory later is served. Only plain file names directly in the
// directory with a known extension are loaded; a request can name nothing else.
class WebFiles {
 public:
  struct File {
    std::string body;
    std::string contentType;
  };

  explicit WebFiles(std::string dir);

  // nullptr when `name` was not loaded.
  const File* find(std::string_view name) const;
  std::size_t loaded() const { return files_.size(); }
  const std::string& dir() const { return dir_; }

  // Letters, digits, '_' and '-', then one or more ".ext" parts; no dot first, no '/'.
  static bool isServableName(std::string_view name);
  // The Content-Type for a servable name, "" for extensions the demo does not use.
  static std::string_view contentTypeFor(std::string_view name);

  static constexpr std::size_t kMaxFileBytes = 4 * 1024 * 1024;

 private:
  std::string dir_;
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace parley::demo
