#pragma once

#include <map>
#include <string>
#include <string_view>

#include "http/HttpResponse.h"

namespace parley::http {

// The parley.js bundles parleyd serves at /sdk/<name> (issue 5): read once at start from
// the SDK's build directory, so requests never touch the disk. Only the known bundle
// names are served, whatever else the directory holds.
class SdkFiles {
 public:
  // Loads the bundles found in `dir`; missing ones are answered 404 with a hint.
  explicit SdkFiles(std::string dir);

  HttpResponse get(std::string_view name) const;
  size_t loaded() const { return files_.size(); }
  const std::string& dir() const { return dir_; }

 private:
  struct File {
    std::string body;
    std::string contentType;
  };
  std::string dir_;
  std::map<std::string, File, std::less<>> files_;
};

}  // namespace parley::http
