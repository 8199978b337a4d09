#include "record/compose/Stylesheet.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::record::compose {
namespace {

using Classes = std::vector<std::vector<std::string>>;

Stylesheet parsed(const std::string& css) {
  std::string error;
  auto sheet = Stylesheet::parse(css, &error);
  EXPECT_TRUE(sheet) << error << " in: " << css;
  return sheet ? *sheet : *Stylesheet::parse("", &error);
}

Stylesheet::Style styleAt(const Stylesheet& sheet, const Classes& streams, std::size_t index) {
  return sheet.styleOf(
      index, streams.size(),
      [&](std::size_t i) -> const std::vector<std::string>& { return streams[i]; });
}

// The width in px the sheet gives each stream, -1 where none.
std::vector<double> widths(const Stylesheet& sheet, const Classes& streams) {
  std::vector<double> out;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    auto s = styleAt(sheet, streams, i);
    out.push_back(s.width ? s.width->value : -1);
  }
  return out;
}

const Classes kFive = {{}, {}, {}, {}, {}};

TEST(StylesheetTest, TheStreamTypeSelectorMatchesEveryStream) {
  auto sheet = parsed("stream { width: 10px; }");
  EXPECT_EQ(widths(sheet, kFive), (std::vector<double>{10, 10, 10, 10, 10}));
  auto other = parsed("archive { width: 10px; }");
  EXPECT_EQ(widths(other, kFive), (std::vector<double>{-1, -1, -1, -1, -1}));
}

TEST(StylesheetTest, ClassAndCompoundSelectorsNeedEveryClass) {
  const Classes streams = {{"a"}, {"b"}, {"a", "b"}, {}};
  EXPECT_EQ(widths(parsed(".a { width: 1px }"), streams), (std::vector<double>{1, -1, 1, -1}));
  EXPECT_EQ(widths(parsed("stream.b { width: 2px }"), streams),
            (std::vector<double>{-1, 2, 2, -1}));
  EXPECT_EQ(widths(parsed("stream.a.b { width: 3px }"), streams),
            (std::vector<double>{-1, -1, 3, -1}));
}

TEST(StylesheetTest, ChildPseudoClassesCountPositions) {
  EXPECT_EQ(widths(parsed("stream:first-child { width: 1px }"), kFive),
            (std::vector<double>{1, -1, -1, -1, -1}));
  EXPECT_EQ(widths(parsed("stream:last-child { width: 1px }"), kFive),
            (std::vector<double>{-1, -1, -1, -1, 1}));
  EXPECT_EQ(widths(parsed("stream:nth-child(2) { width: 1px }"), kFive),
            (std::vector<double>{-1, 1, -1, -1, -1}));
  EXPECT_EQ(widths(parsed("stream:nth-child(2n+1) { width: 1px }"), kFive),
            (std::vector<double>{1, -1, 1, -1, 1}));
  EXPECT_EQ(widths(parsed("stream:nth-child(odd) { width: 1px }"), kFive),
            (std::vector<double>{1, -1, 1, -1, 1}));
  EXPECT_EQ(widths(parsed("stream:nth-child(even) { width: 1px }"), kFive),
            (std::vector<double>{-1, 1, -1, 1, -1}));
  EXPECT_EQ(widths(parsed("stream:nth-child(-n+2) { width: 1px }"), kFive),
            (std::vector<double>{1, 1, -1, -1, -1}));
  EXPECT_EQ(widths(parsed("stream:nth-last-child(2) { width: 1px }"), kFive),
            (std::vector<double>{-1, -1, -1, 1, -1}));
  EXPECT_EQ(widths(parsed("stream:nth-last-child(1) { width: 1px }"), kFive),
            (std::vector<double>{-1, -1, -1, -1, 1}));
  // The bestFit idiom: the first of exactly three, and its followers.
  const auto sheet = parsed(
      "stream:first-child:nth-last-child(3), stream:first-child:nth-last-child(3) ~ stream "
      "{ width: 7px }");
  EXPECT_EQ(widths(sheet, Classes{{}, {}, {}}), (std::vector<double>{7, 7, 7}));
  EXPECT_EQ(widths(sheet, Classes{{}, {}, {}, {}}), (std::vector<double>{-1, -1, -1, -1}));
}

TEST(StylesheetTest, SiblingCombinators) {
  const Classes streams = {{}, {"a"}, {}, {}, {"a"}};
  EXPECT_EQ(widths(parsed(".a + stream { width: 1px }"), streams),
            (std::vector<double>{-1, -1, 1, -1, -1}));
  EXPECT_EQ(widths(parsed(".a ~ stream { width: 1px }"), streams),
            (std::vector<double>{-1, -1, 1, 1, 1}));
  EXPECT_EQ(widths(parsed("stream:first-child + .a { width: 1px }"), streams),
            (std::vector<double>{-1, 1, -1, -1, -1}));
  EXPECT_EQ(widths(parsed(".a+stream+stream { width: 1px }"), streams),
            (std::vector<double>{-1, -1, -1, 1, -1}));
}

TEST(StylesheetTest, SpecificityBeatsSourceOrderWhichBreaksTies) {
  const Classes streams = {{"a"}, {}};
  // The class rule wins over the later type rule for the classed stream only.
  EXPECT_EQ(widths(parsed(".a { width: 1px } stream { width: 2px }"), streams),
            (std::vector<double>{1, 2}));
  // Same specificity: the later rule wins.
  EXPECT_EQ(widths(parsed("stream { width: 1px } stream { width: 2px }"), streams),
            (std::vector<double>{2, 2}));
  EXPECT_EQ(widths(parsed(".a { width: 1px } stream:first-child { width: 2px }"), streams),
            (std::vector<double>{2, -1}));
  // Properties merge across rules: each comes from the best rule that sets it.
  auto sheet = parsed("stream { width: 1px; height: 5px } .a { width: 3px }");
  auto s = styleAt(sheet, streams, 0);
  ASSERT_TRUE(s.width && s.height);
  EXPECT_EQ(s.width->value, 3);
  EXPECT_EQ(s.height->value, 5);
}

TEST(StylesheetTest, RulesWithUnsupportedSelectorsAreDroppedWhole) {
  for (const char* css :
       {"#x { width: 1px }", "* { width: 1px }", "stream > stream { width: 1px }",
        "stream stream { width: 1px }", ".a .b { width: 1px }", "stream::before { width: 1px }",
        "stream[x] { width: 1px }", "stream:first-of-type { width: 1px }",
        "stream:hover { width: 1px }", "stream, #x { width: 1px }", "stream + { width: 1px }"}) {
    std::string error;
    auto sheet = Stylesheet::parse(css, &error);
    ASSERT_TRUE(sheet) << "still CSS, only not in the subset: " << css << ": " << error;
    EXPECT_EQ(sheet->rules(), 0u) << css;
    EXPECT_EQ(widths(*sheet, Classes{{"a", "b"}, {"a", "b"}}), (std::vector<double>{-1, -1}))
        << css;
  }
  // The rules around a dropped one still apply.
  auto sheet = parsed("stream { width: 1px } #x { width: 2px } stream { height: 3px }");
  auto s = styleAt(sheet, kFive, 0);
  ASSERT_TRUE(s.width && s.height);
  EXPECT_EQ(s.width->value, 1);
  EXPECT_EQ(s.height->value, 3);
}

TEST(StylesheetTest, UnknownPropertiesAndBadValuesAreIgnored) {
  auto sheet = parsed(
      "stream { color: red; width: 10%; border: 1px solid; height: banana; padding: 3px; "
      "z-index: 4 }");
  auto s = styleAt(sheet, kFive, 0);
  ASSERT_TRUE(s.width);
  EXPECT_EQ(s.width->value, 10);
  EXPECT_TRUE(s.width->percent);
  EXPECT_FALSE(s.height);
  ASSERT_TRUE(s.zIndex);
  EXPECT_EQ(*s.zIndex, 4);
}

TEST(StylesheetTest, LengthsInPxPercentBareNumbersAndAuto) {
  auto sheet = parsed("stream { width: 12px; height: 50%; left: 0; top: auto; right: 7 }");
  auto s = styleAt(sheet, kFive, 0);
  ASSERT_TRUE(s.width && s.height && s.left && s.top && s.right);
  EXPECT_EQ(s.width->value, 12);
  EXPECT_FALSE(s.width->percent);
  EXPECT_EQ(s.height->resolve(480), 240);
  EXPECT_EQ(s.left->value, 0);
  EXPECT_TRUE(s.top->automatic);
  EXPECT_FALSE(s.width->automatic);
  EXPECT_EQ(s.right->value, 7);
}

TEST(StylesheetTest, MarginShorthandRepeatsAsCssDoes) {
  auto margins = [](const std::string& value) {
    auto s = styleAt(parsed("stream { margin: " + value + " }"), kFive, 0);
    EXPECT_TRUE(s.marginTop && s.marginRight && s.marginBottom && s.marginLeft) << value;
    if (!s.marginTop || !s.marginRight || !s.marginBottom || !s.marginLeft)
      return std::vector<double>{};
    return std::vector<double>{s.marginTop->value, s.marginRight->value, s.marginBottom->value,
                               s.marginLeft->value};
  };
  EXPECT_EQ(margins("5px"), (std::vector<double>{5, 5, 5, 5}));
  EXPECT_EQ(margins("1px 2px"), (std::vector<double>{1, 2, 1, 2}));
  EXPECT_EQ(margins("1px 2px 3px"), (std::vector<double>{1, 2, 3, 2}));
  EXPECT_EQ(margins("1px 2px 3px 4px"), (std::vector<double>{1, 2, 3, 4}));
  // A later margin-top overrides the shorthand's; a bad shorthand is ignored.
  auto s = styleAt(parsed("stream { margin: 1px; margin-top: 60% }"), kFive, 0);
  ASSERT_TRUE(s.marginTop && s.marginLeft);
  EXPECT_TRUE(s.marginTop->percent);
  EXPECT_EQ(s.marginTop->value, 60);
  EXPECT_EQ(s.marginLeft->value, 1);
  auto bad = styleAt(parsed("stream { margin: 1px nonsense }"), kFive, 0);
  EXPECT_FALSE(bad.marginTop);
}

TEST(StylesheetTest, KeywordProperties) {
  auto s = styleAt(parsed("stream { position: absolute; float: right; clear: both; "
                          "object-fit: cover; display: inline-block }"),
                   kFive, 0);
  EXPECT_EQ(s.position, Stylesheet::Position::Absolute);
  EXPECT_EQ(s.floating, Stylesheet::Float::Right);
  ASSERT_TRUE(s.clear);
  EXPECT_TRUE(s.clear->left && s.clear->right);
  EXPECT_EQ(s.cover, true);
  EXPECT_EQ(s.display, Stylesheet::Display::Inline);
  auto contain =
      styleAt(parsed("stream { object-fit: cover } stream { object-fit: contain }"), kFive, 0);
  EXPECT_EQ(contain.cover, false);
}

TEST(StylesheetTest, CommentsAreSkipped) {
  auto sheet = parsed(
      "/* a { b } */ stream { /* width: 1px; */ width: 2px; } /* #x { } */ .a { height: 3px }");
  EXPECT_EQ(sheet.rules(), 2u);
  auto s = styleAt(sheet, Classes{{"a"}}, 0);
  ASSERT_TRUE(s.width && s.height);
  EXPECT_EQ(s.width->value, 2);
  EXPECT_EQ(s.height->value, 3);
}

TEST(StylesheetTest, KeepsAtMostMaxRules) {
  std::string css;
  for (std::size_t i = 0; i < Stylesheet::kMaxRules + 50; ++i)
    css += ".c" + std::to_string(i) + " { width: 1px } ";
  EXPECT_EQ(parsed(css).rules(), Stylesheet::kMaxRules);
}

TEST(StylesheetTest, TextThatIsNotCssIsAnError) {
  for (const char* css : {"stream { width: 1px", "stream { width: 1px } .a {", "stream { a { } }",
                          "stream { width: 1px } }", "stream { width: 1px } trailing"}) {
    std::string error;
    EXPECT_FALSE(Stylesheet::parse(css, &error)) << css;
    EXPECT_FALSE(error.empty()) << css;
  }
  std::string error;
  auto empty = Stylesheet::parse("  /* nothing */ ", &error);
  ASSERT_TRUE(empty) << error;
  EXPECT_EQ(empty->rules(), 0u);
}

TEST(StylesheetTest, ALongGeneralSiblingChainMatchesOnlyWhenItsFirstCompoundDoes) {
  // 16 compounds joined by `~` (what made the matcher try every chain of earlier siblings
  // before it remembered its answers; its cost is not asserted here).
  std::string selector = "stream.absent";
  for (int i = 0; i < 15; ++i) selector += " ~ stream";
  std::string css;
  for (int r = 0; r < 200; ++r) css += selector + " { width: 10px; }\n";
  std::string error;
  auto sheet = Stylesheet::parse(css, &error);
  ASSERT_TRUE(sheet) << error;
  EXPECT_EQ(sheet->rules(), 200u);
  const std::vector<std::string> none;
  const std::vector<std::string> absent = {"absent"};
  for (std::size_t i = 0; i < 16; ++i) {
    const auto style =
        sheet->styleOf(i, 16, [&](std::size_t) -> const std::vector<std::string>& { return none; });
    EXPECT_FALSE(style.width) << i;
  }
  // The first stream classed `absent`: only the last of 16 has 15 siblings before it.
  const auto last = sheet->styleOf(15, 16, [&](std::size_t j) -> const std::vector<std::string>& {
    return j == 0 ? absent : none;
  });
  EXPECT_TRUE(last.width);
  const auto earlier = sheet->styleOf(
      14, 16,
      [&](std::size_t j) -> const std::vector<std::string>& { return j == 0 ? absent : none; });
  EXPECT_FALSE(earlier.width);
}

}  // namespace
}  // namespace parley::record::compose
