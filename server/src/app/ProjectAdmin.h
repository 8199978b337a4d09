#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "store/Project.h"
#include "store/Store.h"

namespace parley::app {

// Project management shared by parleyd's start-up and the `parley` CLI.
class ProjectAdmin {
 public:
  explicit ProjectAdmin(store::Store& store) : store_(store) {}

  // A new project with a fresh unique key and secret.
  store::Project create(std::string_view name);
  // A new project, only if the store holds none at all (a first start: of several nodes
  // starting together on an empty database, one creates it); nullopt otherwise.
  std::optional<store::Project> createFirst(std::string_view name);
  // Makes sure `apiKey` exists with `secret`: inserts it, or updates a different secret.
  // Returns true when something changed.
  bool ensure(std::string_view apiKey, std::string_view secret, std::string_view name);
  // New secret for an existing project; nullopt-like empty string when unknown.
  std::string rotateSecret(std::string_view apiKey);

 private:
  store::Store& store_;
};

}  // namespace parley::app
