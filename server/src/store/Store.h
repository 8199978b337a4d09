#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/Project.h"
#include "store/SessionRecord.h"

namespace parley::store {

// Durable metadata. SqliteStore is the embedded default; a PostgreSQL implementation
// comes later. Every method is atomic: on StoreError nothing was written.
class Store {
 public:
  virtual ~Store() = default;

  virtual std::optional<Project> findProject(std::string_view apiKey) = 0;
  virtual std::vector<Project> listProjects() = 0;
  // Throws StoreError if the key exists.
  virtual void insertProject(const Project& project) = 0;
  // Returns false when no such project.
  virtual bool updateProjectSecret(std::string_view apiKey, std::string_view secret) = 0;

  // Throws StoreError if the id exists.
  virtual void insertSession(const SessionRecord& session) = 0;
  virtual std::optional<SessionRecord> findSession(std::string_view sessionId) = 0;
  virtual std::size_t countSessions(std::string_view apiKey) = 0;
};

}  // namespace parley::store
