#include "demo/WebFiles.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley::demo {

namespace {

struct Type {
  std::string_view extension;
  std::string_view contentType;
};
constexpr Type kTypes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

bool isNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

bool WebFiles::isServableName(std::string_view name) {
  if (name.empty() || name.size() > 128 || !isNameChar(name.front())) return false;
  bool previousWasDot = false;
  bool sawDot = false;
  for (char c : name) {
    if (c == '.') {
      if (previousWasDot) return false;
      previousWasDot = sawDot = true;
    } else if (isNameChar(c)) {
      previousWasDot = false;
    } else {
      return false;
    }
  }
  return sawDot && !previousWasDot && !contentTypeFor(name).empty();
}

std::string_view WebFiles::contentTypeFor(std::string_view name) {
  for (const Type& t : kTypes) {
    if (name.size() > t.extension.size() &&
        name.substr(name.size() - t.extension.size()) == t.extension)
      return t.contentType;
  }
  return {};
}

WebFiles::WebFiles(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    std::error_code statError;
    // Symbolic links are followed on purpose (a packaged install may link its assets),
    // but only regular files of a sane size are read.
    if (!isServableName(name) || !entry.is_regular_file(statError)) continue;
    if (entry.file_size(statError) > kMaxFileBytes || statError) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in) continue;
    std::ostringstream body;
    body << in.rdbuf();
    files_.emplace(name, File{body.str(), std::string(contentTypeFor(name))});
  }
}

const WebFiles::File* WebFiles::find(std::string_view name) const {
  auto it = files_.find(name);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace parley::demo
