#include "app/UrlSigningKey.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../store/TempDirectory.h"

namespace parley::app {
namespace {

using store::test::TempDirectory;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(UrlSigningKeyTest, CreatesARandomKeyOnlyTheOwnerCanRead) {
  TempDirectory dir;
  std::string error;
  auto key = UrlSigningKey::loadOrCreate(dir.path().string(), &error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(key->size(), UrlSigningKey::kBytes);
  const std::string path = dir.file(UrlSigningKey::kFileName);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(readFile(path), *key);
  // Nothing but the key is left behind (no temporary file).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);

  TempDirectory other;
  auto otherKey = UrlSigningKey::loadOrCreate(other.path().string(), &error);
  ASSERT_TRUE(otherKey) << error;
  EXPECT_NE(*otherKey, *key);
}

TEST(UrlSigningKeyTest, ReusesTheKeyOnLaterStarts) {
  TempDirectory dir;
  std::string error;
  auto first = UrlSigningKey::loadOrCreate(dir.path().string(), &error);
  ASSERT_TRUE(first) << error;
  auto second = UrlSigningKey::loadOrCreate(dir.path().string(), &error);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(*second, *first);
}

TEST(UrlSigningKeyTest, KeepsAnExistingKeyFile) {
  TempDirectory dir;
  const std::string written(UrlSigningKey::kBytes, 'k');
  std::ofstream(dir.file(UrlSigningKey::kFileName), std::ios::binary) << written;
  std::string error;
  auto key = UrlSigningKey::loadOrCreate(dir.path().string(), &error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(*key, written);
}

TEST(UrlSigningKeyTest, AFileOfAnotherSizeIsAnError) {
  for (std::size_t size : {std::size_t(0), std::size_t(31), std::size_t(33), std::size_t(64)}) {
    TempDirectory dir;
    const std::string path = dir.file(UrlSigningKey::kFileName);
    std::ofstream(path, std::ios::binary) << std::string(size, 'x');
    std::string error;
    EXPECT_FALSE(UrlSigningKey::loadOrCreate(dir.path().string(), &error)) << size;
    EXPECT_NE(error.find("url-signing.key"), std::string::npos) << error;
    EXPECT_EQ(readFile(path), std::string(size, 'x')) << "the file is left alone";
  }
}

TEST(UrlSigningKeyTest, ADirectoryInItsPlaceOrAMissingDataDirIsAnError) {
  TempDirectory dir;
  std::filesystem::create_directory(dir.file(UrlSigningKey::kFileName));
  std::string error;
  EXPECT_FALSE(UrlSigningKey::loadOrCreate(dir.path().string(), &error));
  EXPECT_FALSE(error.empty());
  error.clear();
  EXPECT_FALSE(UrlSigningKey::loadOrCreate(dir.file("missing"), &error));
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace parley::app
