#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "app/Config.h"

namespace parley::app::testsupport {

// An environment holding exactly `values`, for Config::parse.
inline Config::EnvLookup envOf(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace parley::app::testsupport
