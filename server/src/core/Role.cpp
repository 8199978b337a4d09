#include "core/Role.h"

namespace parley::core {

std::optional<Role> parseRole(std::string_view name) {
  if (name == "subscriber") return Role::Subscriber;
  if (name == "publisher") return Role::Publisher;
  if (name == "publisheronly") return Role::PublisherOnly;
  if (name == "moderator") return Role::Moderator;
  return std::nullopt;
}

std::string_view roleName(Role role) {
  switch (role) {
    case Role::Subscriber:
      return "subscriber";
    case Role::Publisher:
      return "publisher";
    case Role::PublisherOnly:
      return "publisheronly";
    case Role::Moderator:
      return "moderator";
  }
  return "publisher";
}

std::vector<std::string> permissionsFor(Role role) {
  // Exactly the strings OpenTok.js recognises (docs/protocol.md §2.5); it checks them before
  // letting the application call publish(), forceDisconnect() and friends.
  switch (role) {
    case Role::Subscriber:
      return {"subscribe", "signal"};
    case Role::Publisher:
      return {"publish", "subscribe", "signal"};
    case Role::PublisherOnly:
      return {"publish", "signal"};
    case Role::Moderator:
      return {"publish", "subscribe", "signal", "forceunpublish", "forcedisconnect", "forcemute"};
  }
  return {};
}

bool canPublish(Role role) {
  return role != Role::Subscriber;
}
bool canSubscribe(Role role) {
  return role != Role::PublisherOnly;
}
bool canSignal(Role) {
  return true;
}
bool isModerator(Role role) {
  return role == Role::Moderator;
}

}  // namespace parley::core
