#include "record/compose/Stylesheet.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace parley::record::compose {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool identChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

std::string withoutComments(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const auto end = text.find("*/", i + 2);
      if (end == std::string_view::npos) break;
      i = end + 1;
      out.push_back(' ');
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

std::optional<double> number(std::string_view s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<Stylesheet::Length> length(std::string_view s) {
  s = trim(s);
  if (lower(s) == "auto") return Stylesheet::Length{0, false, true};
  Stylesheet::Length l;
  if (s.size() > 1 && s.back() == '%') {
    l.percent = true;
    s.remove_suffix(1);
  } else if (s.size() > 2 && lower(s.substr(s.size() - 2)) == "px") {
    s.remove_suffix(2);
  }
  auto v = number(s);
  if (!v || std::abs(*v) > 1e6) return std::nullopt;
  l.value = *v;
  return l;
}

// "an+b" (also odd, even, n, -n+3, 4).
std::optional<std::pair<int, int>> nth(std::string_view arg) {
  std::string s;
  for (char c : arg)
    if (!std::isspace(static_cast<unsigned char>(c))) s.push_back(c);
  s = lower(s);
  if (s == "odd") return std::make_pair(2, 1);
  if (s == "even") return std::make_pair(2, 0);
  auto integer = [](std::string_view t) -> std::optional<int> {
    if (t.empty() || t.size() > 6) return std::nullopt;
    if (t.front() == '+') t.remove_prefix(1);
    int v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
    return v;
  };
  const auto n = s.find('n');
  if (n == std::string::npos) {
    auto b = integer(s);
    if (!b) return std::nullopt;
    return std::make_pair(0, *b);
  }
  const std::string_view head = std::string_view(s).substr(0, n);
  const std::string_view tail = std::string_view(s).substr(n + 1);
  int a = 1;
  if (head == "-")
    a = -1;
  else if (!head.empty() && head != "+") {
    auto v = integer(head);
    if (!v) return std::nullopt;
    a = *v;
  }
  int b = 0;
  if (!tail.empty()) {
    if (tail.front() != '+' && tail.front() != '-') return std::nullopt;
    auto v = integer(tail);
    if (!v) return std::nullopt;
    b = *v;
  }
  return std::make_pair(a, b);
}

}  // namespace

void Stylesheet::Style::overlay(const Style& later) {
  auto take = [](auto& mine, const auto& theirs) {
    if (theirs) mine = theirs;
  };
  take(width, later.width);
  take(height, later.height);
  take(minWidth, later.minWidth);
  take(minHeight, later.minHeight);
  take(maxWidth, later.maxWidth);
  take(maxHeight, later.maxHeight);
  take(left, later.left);
  take(right, later.right);
  take(top, later.top);
  take(bottom, later.bottom);
  take(marginLeft, later.marginLeft);
  take(marginRight, later.marginRight);
  take(marginTop, later.marginTop);
  take(marginBottom, later.marginBottom);
  take(zIndex, later.zIndex);
  take(position, later.position);
  take(floating, later.floating);
  take(display, later.display);
  take(clear, later.clear);
  take(cover, later.cover);
}

std::optional<Stylesheet> Stylesheet::parse(std::string_view input, std::string* error) {
  const std::string text = withoutComments(input);
  Stylesheet sheet;
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find('{', pos);
    if (open == std::string::npos) {
      if (!trim(std::string_view(text).substr(pos)).empty()) {
        *error = "text after the last rule is not a rule";
        return std::nullopt;
      }
      break;
    }
    const auto close = text.find('}', open + 1);
    const auto nested = text.find('{', open + 1);
    if (close == std::string::npos || (nested != std::string::npos && nested < close)) {
      *error = "a rule's block is not closed";
      return std::nullopt;
    }
    const std::string_view selectors = trim(std::string_view(text).substr(pos, open - pos));
    const std::string_view body = std::string_view(text).substr(open + 1, close - open - 1);
    pos = close + 1;
    if (selectors.find('}') != std::string_view::npos) {
      *error = "a block closes that was never opened";
      return std::nullopt;
    }
    Style style;
    parseDeclarations(body, style);
    // A selector list is dropped whole when one of its selectors is not in the subset.
    std::vector<std::vector<Compound>> parsed;
    bool valid = !selectors.empty();
    std::size_t start = 0;
    while (valid && start <= selectors.size()) {
      auto comma = selectors.find(',', start);
      if (comma == std::string_view::npos) comma = selectors.size();
      auto one = parseSelector(trim(selectors.substr(start, comma - start)));
      if (one)
        parsed.push_back(std::move(*one));
      else
        valid = false;
      start = comma + 1;
    }
    if (!valid) continue;
    for (auto& selector : parsed) {
      if (sheet.rules_.size() >= kMaxRules) break;
      int specificity = 0;
      for (const auto& c : selector)
        specificity += static_cast<int>(c.classes.size() + c.pseudos.size()) * 100 + 1;
      sheet.rules_.push_back(Rule{std::move(selector), specificity, sheet.rules_.size(), style});
    }
  }
  return sheet;
}

std::optional<std::vector<Stylesheet::Compound>> Stylesheet::parseSelector(std::string_view s) {
  std::vector<Compound> out;
  std::size_t i = 0;
  char combinator = 0;
  bool pending = false;  // a combinator was read and no compound followed yet
  auto skipSpace = [&] {
    bool any = false;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      any = true;
    }
    return any;
  };
  while (i < s.size()) {
    Compound c;
    c.combinator = combinator;
    bool any = false;
    if (identChar(s[i])) {
      const std::size_t from = i;
      while (i < s.size() && identChar(s[i])) ++i;
      c.stream = lower(s.substr(from, i - from)) == "stream";
      any = true;
    }
    while (i < s.size() && (s[i] == '.' || s[i] == ':')) {
      const char kind = s[i++];
      if (kind == ':' && i < s.size() && s[i] == ':') return std::nullopt;  // pseudo-element
      const std::size_t from = i;
      while (i < s.size() && identChar(s[i])) ++i;
      if (i == from) return std::nullopt;
      const std::string name(s.substr(from, i - from));
      any = true;
      if (kind == '.') {
        c.classes.push_back(name);
        continue;
      }
      const std::string pseudo = lower(name);
      if (pseudo == "first-child") {
        c.pseudos.push_back(Pseudo{Pseudo::Kind::FirstChild, 0, 0});
      } else if (pseudo == "last-child") {
        c.pseudos.push_back(Pseudo{Pseudo::Kind::LastChild, 0, 0});
      } else if (pseudo == "nth-child" || pseudo == "nth-last-child") {
        if (i >= s.size() || s[i] != '(') return std::nullopt;
        const auto end = s.find(')', i);
        if (end == std::string_view::npos) return std::nullopt;
        auto ab = nth(s.substr(i + 1, end - i - 1));
        if (!ab) return std::nullopt;
        i = end + 1;
        c.pseudos.push_back(
            Pseudo{pseudo == "nth-child" ? Pseudo::Kind::NthChild : Pseudo::Kind::NthLastChild,
                   ab->first, ab->second});
      } else {
        return std::nullopt;
      }
    }
    if (!any) return std::nullopt;  // '*', '#id', '[attr]', '>' ...
    out.push_back(std::move(c));
    pending = false;
    const bool spaced = skipSpace();
    if (i >= s.size()) break;
    if (s[i] == '+' || s[i] == '~') {
      combinator = s[i++];
      pending = true;
      skipSpace();
    } else if (spaced) {
      return std::nullopt;  // the descendant combinator: not in the subset
    } else {
      return std::nullopt;
    }
    if (out.size() > 16) return std::nullopt;
  }
  if (out.empty() || pending) return std::nullopt;  // nothing, or a trailing combinator
  return out;
}

bool Stylesheet::parseDeclarations(std::string_view body, Style& style) {
  std::size_t start = 0;
  while (start < body.size()) {
    auto semi = body.find(';', start);
    if (semi == std::string_view::npos) semi = body.size();
    const std::string_view declaration = body.substr(start, semi - start);
    start = semi + 1;
    const auto colon = declaration.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = lower(trim(declaration.substr(0, colon)));
    std::string_view value = trim(declaration.substr(colon + 1));
    if (const auto bang = value.find('!'); bang != std::string_view::npos)
      value = trim(value.substr(0, bang));
    const std::string keyword = lower(value);
    auto setLength = [&](std::optional<Length>& field) {
      if (auto l = length(value)) field = l;
    };
    if (name == "width")
      setLength(style.width);
    else if (name == "height")
      setLength(style.height);
    else if (name == "min-width")
      setLength(style.minWidth);
    else if (name == "min-height")
      setLength(style.minHeight);
    else if (name == "max-width")
      setLength(style.maxWidth);
    else if (name == "max-height")
      setLength(style.maxHeight);
    else if (name == "left")
      setLength(style.left);
    else if (name == "right")
      setLength(style.right);
    else if (name == "top")
      setLength(style.top);
    else if (name == "bottom")
      setLength(style.bottom);
    else if (name == "margin-left")
      setLength(style.marginLeft);
    else if (name == "margin-right")
      setLength(style.marginRight);
    else if (name == "margin-top")
      setLength(style.marginTop);
    else if (name == "margin-bottom")
      setLength(style.marginBottom);
    else if (name == "margin") {
      std::vector<Length> parts;
      std::size_t p = 0;
      bool ok = true;
      while (ok && p < value.size()) {
        while (p < value.size() && std::isspace(static_cast<unsigned char>(value[p]))) ++p;
        std::size_t q = p;
        while (q < value.size() && !std::isspace(static_cast<unsigned char>(value[q]))) ++q;
        if (q == p) break;
        auto l = length(value.substr(p, q - p));
        ok = l.has_value() && parts.size() < 4;
        if (ok) parts.push_back(*l);
        p = q;
      }
      if (!ok || parts.empty()) continue;
      // top, right, bottom, left, with the usual shorthand repeats
      const Length top = parts[0];
      const Length right = parts.size() > 1 ? parts[1] : top;
      const Length bottom = parts.size() > 2 ? parts[2] : top;
      const Length left = parts.size() > 3 ? parts[3] : right;
      style.marginTop = top;
      style.marginRight = right;
      style.marginBottom = bottom;
      style.marginLeft = left;
    } else if (name == "z-index") {
      if (auto v = number(value); v && std::abs(*v) < 1e6) style.zIndex = static_cast<int>(*v);
    } else if (name == "position") {
      if (keyword == "absolute" || keyword == "fixed")
        style.position = Position::Absolute;
      else if (keyword == "relative")
        style.position = Position::Relative;
      else if (keyword == "static")
        style.position = Position::Static;
    } else if (name == "display") {
      if (keyword == "block")
        style.display = Display::Block;
      else if (keyword == "inline" || keyword == "inline-block")
        style.display = Display::Inline;
      else if (keyword == "none")
        style.display = Display::None;
    } else if (name == "float") {
      if (keyword == "left")
        style.floating = Float::Left;
      else if (keyword == "right")
        style.floating = Float::Right;
      else if (keyword == "none")
        style.floating = Float::None;
    } else if (name == "clear") {
      if (keyword == "left")
        style.clear = Clear{true, false};
      else if (keyword == "right")
        style.clear = Clear{false, true};
      else if (keyword == "both")
        style.clear = Clear{true, true};
      else if (keyword == "none" || keyword == "initial" || keyword == "inherit")
        style.clear = Clear{};
    } else if (name == "object-fit") {
      if (keyword == "cover")
        style.cover = true;
      else if (keyword == "contain")
        style.cover = false;
    }
  }
  return true;
}

bool Stylesheet::matchesCompound(const Compound& c, std::size_t index, std::size_t count,
                                 const std::vector<std::string>& classes) {
  if (!c.stream) return false;
  for (const auto& name : c.classes)
    if (std::find(classes.begin(), classes.end(), name) == classes.end()) return false;
  for (const auto& p : c.pseudos) {
    const long position = p.kind == Pseudo::Kind::NthLastChild || p.kind == Pseudo::Kind::LastChild
                              ? static_cast<long>(count - index)
                              : static_cast<long>(index + 1);
    long a = p.a;
    long b = p.b;
    if (p.kind == Pseudo::Kind::FirstChild || p.kind == Pseudo::Kind::LastChild) {
      a = 0;
      b = 1;
    }
    if (a == 0) {
      if (position != b) return false;
    } else if ((position - b) % a != 0 || (position - b) / a < 0) {
      return false;
    }
  }
  return true;
}

bool Stylesheet::matches(const std::vector<Compound>& selector, std::size_t last, std::size_t index,
                         std::size_t count,
                         const std::vector<const std::vector<std::string>*>& classes,
                         std::vector<signed char>& memo) const {
  signed char& known = memo[last * count + index];
  if (known >= 0) return known == 1;
  bool result = false;
  if (!matchesCompound(selector[last], index, count, *classes[index])) {
    result = false;
  } else if (last == 0) {
    result = true;
  } else if (index == 0) {
    result = false;
  } else if (selector[last].combinator == '+') {
    result = matches(selector, last - 1, index - 1, count, classes, memo);
  } else {
    for (std::size_t j = index; j-- > 0 && !result;)
      result = matches(selector, last - 1, j, count, classes, memo);
  }
  known = result ? 1 : 0;
  return result;
}

Stylesheet::Style Stylesheet::styleFor(
    std::size_t index, std::size_t count,
    const std::vector<const std::vector<std::string>*>& classes) const {
  std::vector<const Rule*> matching;
  for (const auto& rule : rules_) {
    std::vector<signed char> memo(rule.selector.size() * count, -1);
    if (matches(rule.selector, rule.selector.size() - 1, index, count, classes, memo))
      matching.push_back(&rule);
  }
  std::stable_sort(matching.begin(), matching.end(), [](const Rule* a, const Rule* b) {
    return a->specificity != b->specificity ? a->specificity < b->specificity : a->order < b->order;
  });
  Style style;
  for (const Rule* rule : matching) style.overlay(rule->style);
  return style;
}

}  // namespace parley::record::compose
