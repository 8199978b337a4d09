#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::record::compose {

// The CSS subset OpenTok accepts for `custom` layouts (docs/media.md, "Custom layouts"): rules
// whose selectors are made of `stream` and `.class` with the `:first-child`, `:last-child`,
// `:nth-child()` and `:nth-last-child()` pseudo-classes, joined by `+` and `~`; properties
// width, height, min-/max-width/height, left, right, top, bottom, margin(-side), z-index,
// position, display, float, clear and object-fit, in px or %. As in CSS, a rule with a selector
// outside the subset is dropped whole and an unknown property is ignored; only text that is not
// CSS at all (an unclosed block, say) is refused.
class Stylesheet {
 public:
  static constexpr std::size_t kMaxRules = 256;

  struct Length {
    double value = 0;
    bool percent = false;
    bool automatic = false;  // `auto`: what the layout works out
    double resolve(double base) const { return percent ? value * base / 100.0 : value; }
  };
  enum class Position { Static, Relative, Absolute };
  enum class Float { None, Left, Right };
  enum class Display { Block, Inline, None };
  struct Clear {
    bool left = false;
    bool right = false;
  };
  // One element's computed values: unset means the property's initial value.
  struct Style {
    std::optional<Length> width, height, minWidth, minHeight, maxWidth, maxHeight;
    std::optional<Length> left, right, top, bottom;
    std::optional<Length> marginLeft, marginRight, marginTop, marginBottom;
    std::optional<int> zIndex;
    std::optional<Position> position;
    std::optional<Float> floating;
    std::optional<Display> display;
    std::optional<Clear> clear;
    std::optional<bool> cover;  // object-fit
    void overlay(const Style& later);
  };

  // Null, with `error`, when the text is not CSS.
  static std::optional<Stylesheet> parse(std::string_view text, std::string* error);

  // The style of the stream at `index` of `count` (in priority order) with these classes;
  // `classesAt(i)` gives the classes of any stream (sibling selectors look at them).
  template <typename ClassesAt>
  Style styleOf(std::size_t index, std::size_t count, ClassesAt classesAt) const;

  std::size_t rules() const { return rules_.size(); }

 private:
  struct Pseudo {
    enum class Kind { FirstChild, LastChild, NthChild, NthLastChild } kind;
    int a = 0;  // an+b
    int b = 0;
  };
  struct Compound {
    bool stream = true;  // the type selector (absent counts as `stream`)
    std::vector<std::string> classes;
    std::vector<Pseudo> pseudos;
    char combinator = 0;  // how it joins the compound before it: '+', '~' or 0 (first)
  };
  struct Rule {
    std::vector<Compound> selector;
    int specificity = 0;
    std::size_t order = 0;
    Style style;
  };

  static std::optional<std::vector<Compound>> parseSelector(std::string_view text);
  static bool parseDeclarations(std::string_view text, Style& style);
  // Whether selector[0..last] matches the stream at `index`. `memo` (selector size x count,
  // -1 unknown) remembers each answer: a `~` chain would otherwise try every earlier sibling
  // for every compound, exponentially many paths for a stylesheet an API caller writes.
  bool matches(const std::vector<Compound>& selector, std::size_t last, std::size_t index,
               std::size_t count, const std::vector<const std::vector<std::string>*>& classes,
               std::vector<signed char>& memo) const;
  static bool matchesCompound(const Compound& c, std::size_t index, std::size_t count,
                              const std::vector<std::string>& classes);
  Style styleFor(std::size_t index, std::size_t count,
                 const std::vector<const std::vector<std::string>*>& classes) const;

  std::vector<Rule> rules_;
};

template <typename ClassesAt>
Stylesheet::Style Stylesheet::styleOf(std::size_t index, std::size_t count,
                                      ClassesAt classesAt) const {
  std::vector<const std::vector<std::string>*> classes;
  classes.reserve(count);
  for (std::size_t i = 0; i < count; ++i) classes.push_back(&classesAt(i));
  return styleFor(index, count, classes);
}

}  // namespace parley::record::compose
