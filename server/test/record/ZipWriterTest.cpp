#include "record/ZipWriter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "../store/TempDirectory.h"
#include "RecordTestSupport.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

class ZipWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 random(3);
    media_.resize(300000);
    for (auto& c : media_) c = static_cast<char>(random());
    std::ofstream(dir_.path() / "stream-1.webm", std::ios::binary) << media_;
    std::ofstream(dir_.path() / "empty.webm", std::ios::binary).flush();
  }

  // Builds a ZIP as an individual archive is built, and checks it with Debian's unzip.
  void buildAndVerify(ZipWriter::Options options) {
    const fs::path zip = dir_.path() / "archive.zip";
    std::string error;
    auto writer = ZipWriter::create(zip.string(), options, &error);
    ASSERT_TRUE(writer) << error;
    ASSERT_TRUE(writer->addFile("stream-1.webm", (dir_.path() / "stream-1.webm").string(), &error))
        << error;
    ASSERT_TRUE(writer->addFile("empty.webm", (dir_.path() / "empty.webm").string(), &error))
        << error;
    ASSERT_TRUE(writer->addBytes("archive.json", R"({"files":[]})", &error)) << error;
    EXPECT_FALSE(fs::exists(zip)) << "only the .partial file exists until finish()";
    ASSERT_TRUE(writer->finish(&error)) << error;
    EXPECT_FALSE(fs::exists(zip.string() + ".partial"));

    const std::string test = recordtest::runCommand("unzip -t '" + zip.string() + "' 2>&1");
    EXPECT_NE(test.find("No errors detected"), std::string::npos) << test;
    EXPECT_EQ(recordtest::runCommand("unzip -p '" + zip.string() + "' stream-1.webm"), media_)
        << "the file comes out byte for byte";
    EXPECT_EQ(recordtest::runCommand("unzip -p '" + zip.string() + "' archive.json"),
              R"({"files":[]})");
    const std::string list = recordtest::runCommand("unzip -l '" + zip.string() + "'");
    EXPECT_NE(list.find("empty.webm"), std::string::npos) << list;
  }

  store::test::TempDirectory dir_;
  std::string media_;
};

TEST_F(ZipWriterTest, UnzipReadsWhatItWrote) {
  buildAndVerify({});
}

TEST_F(ZipWriterTest, Zip64RecordsAreReadToo) {
  // Entries and archives past 4 GiB need them; forced here so that the path is tested.
  buildAndVerify({.forceZip64 = true});
}

TEST_F(ZipWriterTest, AnUnfinishedArchiveLeavesNothingBehind) {
  const fs::path zip = dir_.path() / "abandoned.zip";
  std::string error;
  {
    auto writer = ZipWriter::create(zip.string(), {}, &error);
    ASSERT_TRUE(writer) << error;
    ASSERT_TRUE(writer->addBytes("a.txt", "a", &error));
    EXPECT_FALSE(writer->addFile("b.webm", (dir_.path() / "missing.webm").string(), &error));
    EXPECT_NE(error.find("missing.webm"), std::string::npos) << error;
  }
  EXPECT_FALSE(fs::exists(zip));
  EXPECT_FALSE(fs::exists(zip.string() + ".partial"));
  EXPECT_FALSE(ZipWriter::create((dir_.path() / "no" / "such" / "dir.zip").string(), {}, &error));
}

}  // namespace
}  // namespace parley::record
