#pragma once

#include <optional>
#include <string_view>

namespace parley::record::compose {

// OpenTok's layout types (docs/protocol.md §3.4.2 `layout.type`).
enum class LayoutType { BestFit, Pip, VerticalPresentation, HorizontalPresentation, Custom };

inline std::optional<LayoutType> layoutTypeNamed(std::string_view name) {
  if (name == "bestFit" || name.empty()) return LayoutType::BestFit;
  if (name == "pip") return LayoutType::Pip;
  if (name == "verticalPresentation") return LayoutType::VerticalPresentation;
  if (name == "horizontalPresentation") return LayoutType::HorizontalPresentation;
  if (name == "custom") return LayoutType::Custom;
  return std::nullopt;
}

}  // namespace parley::record::compose
