#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "store/Project.h"
#include "store/SessionRecord.h"
#include "store/StoreError.h"

// Builders and checks shared by the store tests.
namespace parley::store::test {

inline Project makeProject(std::string apiKey, std::string secret = "s3cret",
                           std::int64_t at = 1000) {
  return Project{std::move(apiKey), std::move(secret), "Project name", at};
}

inline SessionRecord makeSession(std::string sessionId, std::string apiKey) {
  SessionRecord session;
  session.sessionId = std::move(sessionId);
  session.apiKey = std::move(apiKey);
  session.createdAtMs = 5000;
  return session;
}

inline ::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// SQLite says "UNIQUE constraint failed", PostgreSQL "violates unique constraint".
inline ::testing::AssertionResult containsIgnoringCase(std::string text, std::string part) {
  for (auto* s : {&text, &part})
    for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return contains(text, part);
}

// The message of the StoreError that `body` throws; fails the test if it does not throw.
template <typename Body>
std::string storeErrorOf(Body&& body) {
  try {
    body();
  } catch (const StoreError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected StoreError";
  return {};
}

inline void expectSameProject(const Project& actual, const Project& expected) {
  EXPECT_EQ(actual.apiKey, expected.apiKey);
  EXPECT_EQ(actual.secret, expected.secret);
  EXPECT_EQ(actual.name, expected.name);
  EXPECT_EQ(actual.createdAtMs, expected.createdAtMs);
  EXPECT_EQ(actual.videoCodec, expected.videoCodec);
}

inline void expectSameSession(const SessionRecord& actual, const SessionRecord& expected) {
  EXPECT_EQ(actual.sessionId, expected.sessionId);
  EXPECT_EQ(actual.apiKey, expected.apiKey);
  EXPECT_EQ(actual.properties.mediaMode, expected.properties.mediaMode);
  EXPECT_EQ(actual.properties.archiveMode, expected.properties.archiveMode);
  EXPECT_EQ(actual.properties.location, expected.properties.location);
  EXPECT_EQ(actual.properties.e2ee, expected.properties.e2ee);
  EXPECT_EQ(actual.properties.archiveName, expected.properties.archiveName);
  EXPECT_EQ(actual.properties.archiveResolution, expected.properties.archiveResolution);
  EXPECT_EQ(actual.properties.videoCodec, expected.properties.videoCodec);
  EXPECT_EQ(actual.createdAtMs, expected.createdAtMs);
}

}  // namespace parley::store::test
