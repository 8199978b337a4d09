#include "http/MessagePump.h"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <string>

namespace parley::http {
namespace {

class CountingSource : public MessagePump::Source {
 public:
  CountingSource(char name, int messages, std::string* log, std::chrono::microseconds cost = {})
      : name_(name), left_(messages), log_(log), cost_(cost) {}
  bool step() override {
    const auto until = std::chrono::steady_clock::now() + cost_;
    while (std::chrono::steady_clock::now() < until) {
    }
    log_->push_back(name_);
    return --left_ > 0;
  }

 private:
  char name_;
  int left_;
  std::string* log_;
  std::chrono::microseconds cost_;
};

TEST(MessagePumpTest, TakesOneMessagePerSourceInTurn) {
  boost::asio::io_context io;
  auto pump = std::make_shared<MessagePump>(io, MessagePump::Options{});
  std::string log;
  pump->ready(std::make_shared<CountingSource>('a', 3, &log));
  pump->ready(std::make_shared<CountingSource>('b', 1, &log));
  pump->ready(std::make_shared<CountingSource>('c', 2, &log));
  io.run();
  EXPECT_EQ(log, "abcaca");
  EXPECT_EQ(pump->queued(), 0u);
}

TEST(MessagePumpTest, LetsTheLoopRunBetweenSlices) {
  boost::asio::io_context io;
  auto pump = std::make_shared<MessagePump>(
      io, MessagePump::Options{std::chrono::microseconds(1000), std::chrono::microseconds(1000)});
  std::string log;
  // 100 messages of at least half a millisecond each: about 50 ms of work in all.
  pump->ready(std::make_shared<CountingSource>('m', 100, &log, std::chrono::microseconds(500)));
  std::size_t deliveredBeforeOther = 0;
  bool otherRan = false;
  boost::asio::post(io, [&] {
    // Something else the loop had to do (an HTTP request, a timer): it runs after the first
    // slice, not after all the messages.
    otherRan = true;
    deliveredBeforeOther = log.size();
  });
  io.run();
  EXPECT_TRUE(otherRan);
  EXPECT_EQ(log.size(), 100u);
  EXPECT_GE(deliveredBeforeOther, 1u);
  EXPECT_LE(deliveredBeforeOther, 10u) << "a slice is bounded in time";
}

TEST(MessagePumpTest, ClearLetsGoOfQueuedSources) {
  boost::asio::io_context io;
  auto pump = std::make_shared<MessagePump>(io, MessagePump::Options{});
  std::string log;
  auto source = std::make_shared<CountingSource>('x', 5, &log);
  pump->ready(source);
  EXPECT_EQ(source.use_count(), 2);
  pump->clear();
  EXPECT_EQ(source.use_count(), 1);
  io.run();
  EXPECT_TRUE(log.empty());
}

}  // namespace
}  // namespace parley::http
