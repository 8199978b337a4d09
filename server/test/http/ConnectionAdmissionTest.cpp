#include "http/ConnectionAdmission.h"

#include <gtest/gtest.h>

#include <vector>

namespace parley::http {
namespace {

TEST(ConnectionAdmissionTest, CapsEachAddressAndReleasesWithTheTicket) {
  ConnectionAdmission admission({.total = 100, .perAddress = 3});
  std::vector<std::shared_ptr<ConnectionAdmission::Ticket>> held;
  for (int i = 0; i < 3; ++i) {
    auto t = admission.admit("10.0.0.1");
    ASSERT_TRUE(t);
    held.push_back(t);
  }
  EXPECT_FALSE(admission.admit("10.0.0.1"));
  EXPECT_TRUE(admission.admit("10.0.0.2")) << "other addresses are not affected";
  EXPECT_EQ(admission.from("10.0.0.1"), 3u);
  held.pop_back();
  EXPECT_EQ(admission.from("10.0.0.1"), 2u);
  EXPECT_TRUE(admission.admit("10.0.0.1"));
}

TEST(ConnectionAdmissionTest, CapsTheTotal) {
  ConnectionAdmission admission({.total = 4, .perAddress = 0});
  std::vector<std::shared_ptr<ConnectionAdmission::Ticket>> held;
  for (int i = 0; i < 4; ++i) held.push_back(admission.admit("192.0.2." + std::to_string(i)));
  for (const auto& t : held) ASSERT_TRUE(t);
  EXPECT_FALSE(admission.admit("192.0.2.200"));
  EXPECT_EQ(admission.total(), 4u);
  held.clear();
  EXPECT_EQ(admission.total(), 0u);
  EXPECT_EQ(admission.from("192.0.2.0"), 0u);
}

TEST(ConnectionAdmissionTest, TicketsOutliveTheAdmission) {
  std::shared_ptr<ConnectionAdmission::Ticket> t;
  {
    ConnectionAdmission admission({});
    t = admission.admit("::1");
    ASSERT_TRUE(t);
  }
  t.reset();  // must not touch freed state (ASan)
}

}  // namespace
}  // namespace parley::http
