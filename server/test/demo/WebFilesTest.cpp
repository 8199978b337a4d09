#include "demo/WebFiles.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../store/TempDirectory.h"

namespace parley::demo {
namespace {

void write(const std::string& path, const std::string& body) {
  std::ofstream out(path, std::ios::binary);
  out << body;
}

TEST(WebFilesTest, ServableNames) {
  for (const char* ok : {"index.html", "demo.js", "demo.css", "icon-192.png", "app.min.js",
                         "favicon.ico", "demo.js.map"})
    EXPECT_TRUE(WebFiles::isServableName(ok)) << ok;
  for (const char* bad :
       {"", ".env", "..", "../index.html", "a/b.js", "a\\b.js", "index", "index.html.", "a..js",
        "x.exe", "secret.db", "notes.md", "a b.js", "%2e%2e.js", "-"})
    EXPECT_FALSE(WebFiles::isServableName(bad)) << bad;
}

TEST(WebFilesTest, ContentTypes) {
  EXPECT_EQ(WebFiles::contentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(WebFiles::contentTypeFor("demo.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(WebFiles::contentTypeFor("demo.css"), "text/css; charset=utf-8");
  EXPECT_EQ(WebFiles::contentTypeFor("logo.svg"), "image/svg+xml");
  EXPECT_EQ(WebFiles::contentTypeFor("data.bin"), "");
}

TEST(WebFilesTest, LoadsOnlyServableRegularFilesOnce) {
  store::test::TempDirectory dir;
  write(dir.file("index.html"), "<!doctype html>");
  write(dir.file("demo.js"), "console.log(1)");
  write(dir.file(".hidden.js"), "no");
  write(dir.file("parley.db"), "no");
  std::filesystem::create_directory(dir.file("sub.js"));  // a directory with a servable name
  WebFiles files(dir.file(""));
  EXPECT_EQ(files.loaded(), 2u);
  ASSERT_NE(files.find("index.html"), nullptr);
  EXPECT_EQ(files.find("index.html")->body, "<!doctype html>");
  EXPECT_EQ(files.find("demo.js")->contentType, "text/javascript; charset=utf-8");
  EXPECT_EQ(files.find(".hidden.js"), nullptr);
  EXPECT_EQ(files.find("parley.db"), nullptr);
  EXPECT_EQ(files.find("sub.js"), nullptr);

  // Read once: later changes on disk are not seen.
  write(dir.file("demo.js"), "changed");
  write(dir.file("late.js"), "late");
  EXPECT_EQ(files.find("demo.js")->body, "console.log(1)");
  EXPECT_EQ(files.find("late.js"), nullptr);
}

TEST(WebFilesTest, AMissingDirectoryServesNothing) {
  WebFiles files("/nonexistent/parley/web/demo");
  EXPECT_EQ(files.loaded(), 0u);
  EXPECT_EQ(files.find("index.html"), nullptr);
}

}  // namespace
}  // namespace parley::demo
