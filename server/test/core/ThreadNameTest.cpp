#include "core/ThreadName.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace parley::core {
namespace {

std::string nameOfThisThread() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

TEST(ThreadNameTest, NamesTheCallingThreadAndCutsLongNames) {
  std::string shortName;
  std::string longName;
  std::thread([&] {
    nameThisThread("media-3");
    shortName = nameOfThisThread();
    nameThisThread("a-name-longer-than-fifteen-bytes");
    longName = nameOfThisThread();
  }).join();
  EXPECT_EQ(shortName, "media-3");
  EXPECT_EQ(longName, "a-name-longer-t");
  EXPECT_NE(nameOfThisThread(), "media-3") << "only the calling thread is named";
}

}  // namespace
}  // namespace parley::core
