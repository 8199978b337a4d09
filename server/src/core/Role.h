#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::core {

enum class Role { Subscriber, Publisher, PublisherOnly, Moderator };

// Exact lowercase names as the SDKs write them; nullopt for anything else.
std::optional<Role> parseRole(std::string_view name);
std::string_view roleName(Role role);

// Permission strings sent to clients in the connection object (docs/protocol.md §2.5).
std::vector<std::string> permissionsFor(Role role);
bool canPublish(Role role);
bool canSubscribe(Role role);
bool canSignal(Role role);
bool isModerator(Role role);

}  // namespace parley::core
