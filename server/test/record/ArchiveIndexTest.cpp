#include "record/ArchiveIndex.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../store/TempDirectory.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;

ArchiveIndex sample() {
  ArchiveIndex index;
  index.archiveId = "b40ef09b-3811-4726-b508-e41a0f96c68f";
  index.sessionId = "1_MX4xMjM0NX5-fg";
  index.name = "Quarterly \"review\" \xC3\xA9";
  index.createdAtMs = 1700000000123;
  index.files.push_back({"stream-a", R"({"user":"ann"})", "stream-a.webm", 0, 61000});
  index.files.push_back({"stream-b", "", "stream-b.mkv", 1500, -1});
  return index;
}

void expectSame(const ArchiveIndex& a, const ArchiveIndex& b) {
  EXPECT_EQ(a.archiveId, b.archiveId);
  EXPECT_EQ(a.sessionId, b.sessionId);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.createdAtMs, b.createdAtMs);
  ASSERT_EQ(a.files.size(), b.files.size());
  for (std::size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].streamId, b.files[i].streamId) << i;
    EXPECT_EQ(a.files[i].connectionData, b.files[i].connectionData) << i;
    EXPECT_EQ(a.files[i].filename, b.files[i].filename) << i;
    EXPECT_EQ(a.files[i].startTimeOffsetMs, b.files[i].startTimeOffsetMs) << i;
    EXPECT_EQ(a.files[i].stopTimeOffsetMs, b.files[i].stopTimeOffsetMs) << i;
  }
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ArchiveIndexTest, DumpParsesBackToTheSameIndex) {
  const ArchiveIndex index = sample();
  std::string error;
  const auto back = ArchiveIndex::parse(index.dump(), &error);
  ASSERT_TRUE(back) << error;
  expectSame(index, *back);
  EXPECT_EQ(back->dump(), index.dump());
}

TEST(ArchiveIndexTest, SaveAndLoadRoundTripThroughTheDirectory) {
  store::test::TempDirectory dir;
  ArchiveIndex index = sample();
  std::string error;
  ASSERT_TRUE(index.save(dir.path().string(), &error)) << error;
  EXPECT_TRUE(fs::exists(dir.path() / "index.json"));
  EXPECT_FALSE(fs::exists(dir.path() / "index.json.tmp")) << "renamed into place";
  EXPECT_EQ(readFile(dir.path() / "index.json"), index.dump());

  auto loaded = ArchiveIndex::load(dir.path().string(), &error);
  ASSERT_TRUE(loaded) << error;
  expectSame(index, *loaded);

  // The stream that was still recording stops; the next save replaces the whole file.
  index.files[1].stopTimeOffsetMs = 70000;
  index.files.push_back({"stream-c", "c", "stream-c.webm", 69000, -1});
  ASSERT_TRUE(index.save(dir.path().string(), &error)) << error;
  loaded = ArchiveIndex::load(dir.path().string(), &error);
  ASSERT_TRUE(loaded) << error;
  expectSame(index, *loaded);
  EXPECT_FALSE(fs::exists(dir.path() / "index.json.tmp"));
}

TEST(ArchiveIndexTest, AFailedSaveLeavesThePreviousIndexWhole) {
  store::test::TempDirectory dir;
  const ArchiveIndex first = sample();
  std::string error;
  ASSERT_TRUE(first.save(dir.path().string(), &error)) << error;
  // The temporary file cannot be created (a directory has its name): the save fails
  // before it touches index.json.
  fs::create_directory(dir.path() / "index.json.tmp");
  ArchiveIndex second = sample();
  second.files.clear();
  EXPECT_FALSE(second.save(dir.path().string(), &error));
  EXPECT_NE(error.find("index.json.tmp"), std::string::npos) << error;
  EXPECT_EQ(readFile(dir.path() / "index.json"), first.dump());

  // A full disk: the temporary file is /dev/full. The write fails, index.json stays whole.
  fs::remove(dir.path() / "index.json.tmp");
  fs::create_symlink("/dev/full", dir.path() / "index.json.tmp");
  error.clear();
  EXPECT_FALSE(second.save(dir.path().string(), &error));
  EXPECT_NE(error.find("cannot write"), std::string::npos) << error;
  EXPECT_EQ(readFile(dir.path() / "index.json"), first.dump());
  EXPECT_FALSE(fs::is_symlink(dir.path() / "index.json.tmp")) << "the temporary file is removed";

  EXPECT_FALSE(sample().save((dir.path() / "no-such-dir").string(), &error));
  EXPECT_FALSE(error.empty());
}

TEST(ArchiveIndexTest, LoadReportsAMissingOrBrokenIndex) {
  store::test::TempDirectory dir;
  std::string error;
  EXPECT_FALSE(ArchiveIndex::load(dir.path().string(), &error));
  EXPECT_NE(error.find("index.json"), std::string::npos) << error;

  // A torn write cannot happen through save(), but a disk can still hand back garbage.
  std::ofstream(dir.path() / "index.json") << R"({"archiveId":"a","ses)";
  error.clear();
  EXPECT_FALSE(ArchiveIndex::load(dir.path().string(), &error));
  EXPECT_FALSE(error.empty());
}

TEST(ArchiveIndexTest, ParseRefusesWhatIsMalformed) {
  const std::string file =
      R"({"streamId":"s","connectionData":"","filename":"s.webm","startTimeOffset":0,"stopTimeOffset":-1})";
  const auto with = [&](const std::string& files) {
    return R"({"archiveId":"a1","sessionId":"s1","name":"","createdAt":5,"files":[)" + files + "]}";
  };
  const auto withFile = [&](const std::string& from, const std::string& to) {
    std::string f = file;
    f.replace(f.find(from), from.size(), to);
    return with(f);
  };
  std::string error;
  ASSERT_TRUE(ArchiveIndex::parse(with(file), &error)) << error;
  ASSERT_TRUE(ArchiveIndex::parse(with(""), &error)) << error;

  const std::string refused[] = {
      "",
      "[]",
      "null",
      R"({"archiveId":"a1"})",
      R"({"archiveId":1,"sessionId":"s1","name":"","createdAt":5,"files":[]})",
      R"({"archiveId":"a1","sessionId":"s1","name":null,"createdAt":5,"files":[]})",
      R"({"archiveId":"a1","sessionId":"s1","name":"","createdAt":"5","files":[]})",
      R"({"archiveId":"a1","sessionId":"s1","name":"","createdAt":5.5,"files":[]})",
      R"({"archiveId":"a1","sessionId":"s1","name":"","createdAt":-1,"files":[]})",
      R"({"archiveId":"a1","sessionId":"s1","name":"","createdAt":5,"files":{}})",
      R"({"archiveId":"../x","sessionId":"s1","name":"","createdAt":5,"files":[]})",
      R"({"archiveId":"","sessionId":"s1","name":"","createdAt":5,"files":[]})",
      with("1"),
      with(R"({"streamId":"s"})"),
      withFile(R"("streamId":"s")", R"("streamId":7)"),
      withFile(R"("connectionData":"")", R"("connectionData":{})"),
      withFile(R"("s.webm")", R"("")"),
      withFile(R"("s.webm")", R"("../s.webm")"),
      withFile(R"("s.webm")", R"("..")"),
      withFile(R"("s.webm")", R"(".")"),
      withFile(R"("s.webm")", R"("dir/s.webm")"),
      withFile(R"("s.webm")", R"("dir\\s.webm")"),
      withFile(R"("s.webm")", R"("s\u0000.webm")"),
      withFile(R"("s.webm")", "\"" + std::string(256, 'x') + "\""),
      withFile(R"("s.webm")", "7"),
      withFile(R"("stopTimeOffset":-1)", R"("stopTimeOffset":-2)"),
      withFile(R"("stopTimeOffset":-1)", R"("stopTimeOffset":1.5)"),
      withFile(R"("stopTimeOffset":-1)", R"("stopTimeOffset":"-1")"),
      withFile(R"("startTimeOffset":0)", R"("startTimeOffset":-1)"),
      withFile(R"("startTimeOffset":0)", R"("startTimeOffset":1e400)"),
  };
  for (const std::string& text : refused) {
    error.clear();
    EXPECT_FALSE(ArchiveIndex::parse(text, &error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }

  EXPECT_TRUE(
      ArchiveIndex::parse(withFile(R"("s.webm")", "\"" + std::string(255, 'x') + "\""), &error))
      << error;
  EXPECT_TRUE(ArchiveIndex::parse(withFile(R"("s.webm")", R"("s.v2.webm")"), &error)) << error;
}

TEST(ArchiveIndexTest, ParseRefusesMoreThanOneMebibyte) {
  const std::string valid = sample().dump();
  std::string padded = valid + std::string(ArchiveIndex::kMaxBytes - valid.size(), ' ');
  std::string error;
  EXPECT_TRUE(ArchiveIndex::parse(padded, &error)) << "exactly at the limit: " << error;
  padded += ' ';
  EXPECT_FALSE(ArchiveIndex::parse(padded, &error));
  EXPECT_NE(error.find("1 MiB"), std::string::npos) << error;

  // And through load(), which must not read past the limit either.
  store::test::TempDirectory dir;
  std::ofstream(dir.path() / "index.json", std::ios::binary) << padded;
  EXPECT_FALSE(ArchiveIndex::load(dir.path().string(), &error));
  EXPECT_NE(error.find("1 MiB"), std::string::npos) << error;
}

TEST(ArchiveIndexTest, UnknownMembersAreIgnored) {
  std::string error;
  const auto index = ArchiveIndex::parse(
      R"({"version":2,"archiveId":"a1","sessionId":"s1","name":"n","createdAt":5,)"
      R"("files":[{"streamId":"s","connectionData":"c","filename":"s.webm",)"
      R"("startTimeOffset":10,"stopTimeOffset":20,"videoType":"camera"}]})",
      &error);
  ASSERT_TRUE(index) << error;
  ASSERT_EQ(index->files.size(), 1u);
  EXPECT_EQ(index->files[0].startTimeOffsetMs, 10);
  EXPECT_EQ(index->files[0].stopTimeOffsetMs, 20);
}

}  // namespace
}  // namespace parley::record
