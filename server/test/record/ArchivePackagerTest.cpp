// An individual archive's directory (stream files written as a recording writes them, and
// index.json) packaged into OpenTok's ZIP, checked with Debian's unzip, sha256sum and ffprobe.
#include "record/ArchivePackager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "RecordTestSupport.h"
#include "core/Base64.h"
#include "core/Crypto.h"
#include "core/Json.h"
#include "record/ArchiveIndex.h"
#include "record/MediaFileReader.h"
#include "record/MediaFileWriter.h"

namespace parley::record {
namespace {

namespace fs = std::filesystem;
using recordtest::runCommand;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string quoted(const fs::path& path) {
  return "'" + path.string() + "'";
}

class ArchivePackagerTest : public recordtest::ClipTest {
 protected:
  void SetUp() override {
    recordtest::ClipTest::SetUp();
    if (HasFatalFailure()) return;
    fs::create_directory(archive_);
    index_.archiveId = "0b5ee2a4-1b2c-4d7e-9f00-7a1c2d3e4f50";
    index_.sessionId = "1_MX4xMjM0NX5-fg";
    index_.name = "Weekly sync";
    index_.createdAtMs = 1700000000123;
  }

  // Rewrites the clip into `out` as a recording does: frame by frame through
  // MediaFileWriter, the video size read from the first keyframe.
  void record(const fs::path& out) {
    std::string error;
    auto reader = MediaFileReader::open(clip_.string(), &error);
    ASSERT_TRUE(reader) << error;
    auto tracks = reader->tracks();
    for (auto& t : tracks)
      if (t.isVideo()) t.width = t.height = 0;
    auto writer = MediaFileWriter::create(out.string(), tracks, &error);
    ASSERT_TRUE(writer) << error;
    while (auto frame = reader->next())
      ASSERT_TRUE(writer->write(frame->track, frame->ptsMs, frame->keyframe, frame->data, &error))
          << error;
    ASSERT_TRUE(writer->finish(&error)) << error;
  }

  void saveIndex() {
    std::string error;
    ASSERT_TRUE(index_.save(archive_.string(), &error)) << error;
  }

  core::Json manifestOf(const fs::path& zip) {
    const std::string text =
        runCommand("unzip -p " + quoted(zip) + " '" + index_.archiveId + ".json'");
    auto json = core::Json::parse(text);
    EXPECT_TRUE(json) << "manifest: " << text;
    return json ? *json : core::Json();
  }

  // The manifest entry of `streamId`, or null.
  static const core::Json* fileOf(const core::Json& manifest, const std::string& streamId) {
    const core::Json* files = manifest.find("files");
    if (!files) return nullptr;
    for (const auto& f : files->items())
      if (f.getString("streamId") == streamId) return &f;
    return nullptr;
  }

  fs::path archive_ = dir_.path() / "archive";
  fs::path zip_ = dir_.path() / "archive.zip";
  ArchiveIndex index_;
};

TEST_F(ArchivePackagerTest, ZipHoldsTheStreamFilesAndOpenTokManifest) {
  ASSERT_NO_FATAL_FAILURE(record(archive_ / "stream-a.webm"));
  fs::copy_file(clip_, archive_ / "stream-b.webm");
  index_.files.push_back({"stream-a", R"({"name":"ann"})", "stream-a.webm", 0, 3000});
  // Still recording when the archive stopped (the restart case): its stop comes from the file.
  index_.files.push_back({"stream-b", "bob", "stream-b.webm", 1500, -1});
  // Published, but no media ever reached the file: left out.
  index_.files.push_back({"stream-c", "cy", "stream-c.webm", 2000, 2500});
  // Created, but killed before its header (no keyframe yet): empty, left out too.
  std::ofstream(archive_ / "stream-d.webm").close();
  index_.files.push_back({"stream-d", "dee", "stream-d.webm", 2100, -1});
  ASSERT_NO_FATAL_FAILURE(saveIndex());

  const auto result = ArchivePackager::package(archive_.string(), zip_.string(), 10000);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.files, 2u);
  EXPECT_EQ(result.durationMs, 10000);
  EXPECT_FALSE(fs::exists(zip_.string() + ".partial"));

  const std::string test = runCommand("unzip -t " + quoted(zip_) + " 2>&1");
  EXPECT_NE(test.find("No errors detected"), std::string::npos) << test;
  std::set<std::string> entries;
  std::istringstream names(runCommand("unzip -Z1 " + quoted(zip_)));
  for (std::string line; std::getline(names, line);) entries.insert(line);
  EXPECT_EQ(entries,
            (std::set<std::string>{index_.archiveId + ".json", "stream-a.webm", "stream-b.webm"}));
  EXPECT_EQ(runCommand("unzip -p " + quoted(zip_) + " stream-a.webm"),
            readFile(archive_ / "stream-a.webm"))
      << "stored byte for byte";

  const core::Json manifest = manifestOf(zip_);
  EXPECT_EQ(manifest.getString("id"), index_.archiveId);
  EXPECT_EQ(manifest.getString("sessionId"), index_.sessionId);
  EXPECT_EQ(manifest.getString("name"), index_.name);
  EXPECT_EQ(manifest.getInt("createdAt"), index_.createdAtMs);
  ASSERT_TRUE(manifest.find("files") && manifest.find("files")->size() == 2) << manifest.dump();
  const core::Json* a = fileOf(manifest, "stream-a");
  const core::Json* b = fileOf(manifest, "stream-b");
  ASSERT_TRUE(a && b) << manifest.dump();
  EXPECT_EQ(a->keys(), (std::vector<std::string>{"connectionData", "filename", "size",
                                                 "startTimeOffset", "stopTimeOffset", "streamId"}));
  EXPECT_EQ(a->getString("connectionData"), R"({"name":"ann"})");
  EXPECT_EQ(a->getString("filename"), "stream-a.webm");
  EXPECT_EQ(a->getInt("size"),
            static_cast<std::int64_t>(fs::file_size(archive_ / "stream-a.webm")));
  EXPECT_EQ(a->getInt("startTimeOffset"), 0);
  EXPECT_EQ(a->getInt("stopTimeOffset"), 3000);
  EXPECT_EQ(b->getString("connectionData"), "bob");
  EXPECT_EQ(b->getInt("size"),
            static_cast<std::int64_t>(fs::file_size(archive_ / "stream-b.webm")));
  EXPECT_EQ(b->getInt("startTimeOffset"), 1500);
  const double probed = std::atof(recordtest::probe(archive_ / "stream-b.webm")
                                      .find("format")
                                      ->getString("duration")
                                      .value_or("0")
                                      .c_str());
  ASSERT_GT(probed, 2.5);
  EXPECT_NEAR(static_cast<double>(b->getInt("stopTimeOffset").value_or(0) - 1500), probed * 1000,
              100)
      << "start + the file's own duration";

  EXPECT_EQ(result.sizeBytes, static_cast<std::int64_t>(fs::file_size(zip_)));
  const std::string sum = runCommand("sha256sum " + quoted(zip_));
  EXPECT_EQ(result.sha256Hex, sum.substr(0, 64)) << sum;
  const std::string bytes = readFile(zip_);
  EXPECT_EQ(result.sha256Hex, core::Crypto::toHex(core::Crypto::sha256(bytes)));
  EXPECT_EQ(result.sha256Base64, core::Base64::encode(core::Crypto::sha256(bytes)));

  // Packaging leaves the sources; removeSources then takes them and the directory away.
  EXPECT_TRUE(fs::exists(archive_ / "stream-a.webm"));
  ArchivePackager::removeSources(archive_.string());
  EXPECT_FALSE(fs::exists(archive_));
  EXPECT_TRUE(fs::exists(zip_));
}

// After a crash the archive's length is unknown (-1): the files' own lengths give it.
TEST_F(ArchivePackagerTest, AnUnknownArchiveLengthComesFromItsFiles) {
  fs::copy_file(clip_, archive_ / "late.webm");
  index_.files.push_back({"late", "", "late.webm", 2000, -1});
  ASSERT_NO_FATAL_FAILURE(saveIndex());
  const auto result = ArchivePackager::package(archive_.string(), zip_.string(), -1);
  ASSERT_TRUE(result.ok) << result.error;
  const core::Json manifest = manifestOf(zip_);
  const core::Json* late = fileOf(manifest, "late");
  ASSERT_TRUE(late);
  EXPECT_GT(late->getInt("stopTimeOffset").value_or(0), 4500) << "2 s + the clip's 3 s";
  EXPECT_EQ(result.durationMs, late->getInt("stopTimeOffset").value_or(-1));
}

TEST_F(ArchivePackagerTest, UnfinishedStopOffsetsAreCappedAtTheArchiveDuration) {
  fs::copy_file(clip_, archive_ / "late.webm");
  std::ofstream(archive_ / "garbage.webm", std::ios::binary) << std::string(5000, '\x42');
  // The 3 s clip started 1.5 s in, but the archive lasted only 2 s.
  index_.files.push_back({"late", "", "late.webm", 1500, -1});
  // A file FFmpeg cannot read: the archive's end is all there is to go by.
  index_.files.push_back({"garbage", "", "garbage.webm", 100, -1});
  // Listed twice (and once under the manifest's own name): one entry each, no clash.
  index_.files.push_back({"late-again", "", "late.webm", 1600, 1700});
  index_.files.push_back({"clash", "", index_.archiveId + ".json", 0, 1});
  std::ofstream(archive_ / (index_.archiveId + ".json")) << "not the manifest";
  ASSERT_NO_FATAL_FAILURE(saveIndex());

  const auto result = ArchivePackager::package(archive_.string(), zip_.string(), 2000);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.files, 2u);
  const core::Json manifest = manifestOf(zip_);
  ASSERT_EQ(manifest.find("files")->size(), 2u) << manifest.dump();
  ASSERT_TRUE(fileOf(manifest, "late")) << manifest.dump();
  EXPECT_EQ(fileOf(manifest, "late")->getInt("stopTimeOffset"), 2000);
  ASSERT_TRUE(fileOf(manifest, "garbage")) << manifest.dump();
  EXPECT_EQ(fileOf(manifest, "garbage")->getInt("stopTimeOffset"), 2000);
  EXPECT_EQ(fileOf(manifest, "garbage")->getInt("size"), 5000);
}

TEST_F(ArchivePackagerTest, AFileCutOffByACrashReachesItsLastFrame) {
  // The recording process dies (kill -9) after 50 video frames: no index, no duration in
  // the file. Its stop offset is where its last readable frame is.
  const fs::path cut = archive_ / "cut.webm";
  ASSERT_TRUE(recordtest::writeCutOff(clip_, cut, 50));

  index_.files.push_back({"cut", "", "cut.webm", 4000, -1});
  ASSERT_NO_FATAL_FAILURE(saveIndex());
  const auto result = ArchivePackager::package(archive_.string(), zip_.string(), 60000);
  ASSERT_TRUE(result.ok) << result.error;

  // ffprobe's view of the same file: the latest packet time.
  std::istringstream times(
      runCommand("ffprobe -v error -show_entries packet=pts_time -of csv=p=0 " + quoted(cut)));
  double last = -1;
  for (std::string line; std::getline(times, line);)
    if (!line.empty()) last = std::max(last, std::atof(line.c_str()));
  ASSERT_GT(last, 1.0) << "at least 35 of the 50 frames are readable";
  const core::Json manifest = manifestOf(zip_);
  ASSERT_TRUE(fileOf(manifest, "cut")) << manifest.dump();
  const std::int64_t stop = fileOf(manifest, "cut")->getInt("stopTimeOffset").value_or(-1);
  EXPECT_NEAR(static_cast<double>(stop - 4000), last * 1000, 1.0);
  EXPECT_LT(stop, 4000 + 50 * 34) << "not the archive's 60 s";
}

TEST_F(ArchivePackagerTest, FailuresReportAndLeaveNoZip) {
  std::string error;
  // No index.
  auto result = ArchivePackager::package(archive_.string(), zip_.string(), 1000);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("index.json"), std::string::npos) << result.error;
  EXPECT_FALSE(fs::exists(zip_));

  fs::copy_file(clip_, archive_ / "s.webm");
  index_.files.push_back({"s", "", "s.webm", 0, 3000});
  ASSERT_NO_FATAL_FAILURE(saveIndex());

  // A destination that cannot be created.
  const fs::path nowhere = dir_.path() / "no-such-dir" / "archive.zip";
  result = ArchivePackager::package(archive_.string(), nowhere.string(), 3000);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.error.empty());
  EXPECT_FALSE(fs::exists(nowhere));
  EXPECT_FALSE(fs::exists(nowhere.string() + ".partial"));

  // A full disk: the ZIP is written to /dev/full (through its .partial name).
  fs::create_symlink("/dev/full", zip_.string() + ".partial");
  result = ArchivePackager::package(archive_.string(), zip_.string(), 3000);
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.error.find("cannot write"), std::string::npos) << result.error;
  EXPECT_FALSE(fs::exists(zip_));
  EXPECT_FALSE(fs::is_symlink(zip_.string() + ".partial")) << "the partial file is removed";

  // A destination taken by a directory: the rename fails, and the .partial goes too.
  fs::create_directory(zip_);
  fs::create_directory(zip_ / "occupied");
  result = ArchivePackager::package(archive_.string(), zip_.string(), 3000);
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.error.empty());
  EXPECT_FALSE(fs::exists(zip_.string() + ".partial"));
  EXPECT_TRUE(fs::is_directory(zip_));

  // The sources are untouched by failures: packaging can be tried again.
  fs::remove_all(zip_);
  result = ArchivePackager::package(archive_.string(), zip_.string(), 3000);
  EXPECT_TRUE(result.ok) << result.error;
}

TEST(ArchivePackagerRemoveTest, RemoveSourcesKeepsADirectoryThatHoldsUnlistedFiles) {
  store::test::TempDirectory dir;
  std::ofstream(dir.path() / "s.webm") << "media";
  std::ofstream(dir.path() / "index.json.tmp") << "{";
  std::ofstream(dir.path() / "keep.txt") << "not ours";
  ArchiveIndex index;
  index.archiveId = "a1";
  index.files.push_back({"s", "", "s.webm", 0, 3000});
  std::string error;
  ASSERT_TRUE(index.save(dir.path().string(), &error)) << error;
  ArchivePackager::removeSources(dir.path().string());
  EXPECT_FALSE(fs::exists(dir.path() / "s.webm"));
  EXPECT_FALSE(fs::exists(dir.path() / "index.json"));
  EXPECT_FALSE(fs::exists(dir.path() / "index.json.tmp"));
  EXPECT_TRUE(fs::exists(dir.path() / "keep.txt"));
  EXPECT_TRUE(fs::is_directory(dir.path()));
}

}  // namespace
}  // namespace parley::record
