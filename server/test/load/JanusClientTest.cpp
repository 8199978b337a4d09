#include "load/JanusClient.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace parley::load {
namespace {

using core::Json;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

constexpr std::int64_t kSession = 7001;
constexpr std::int64_t kFeed = 4242;
constexpr std::uint64_t kRoom = 1234;
const char* const kPublisherCandidate = "candidate:1 1 udp 2015363327 10.77.0.1 20001 typ host";
const char* const kSubscriberCandidate = "candidate:2 1 udp 2015363327 10.77.0.1 20002 typ host";

// A scripted stand-in for Janus's WebSocket transport and videoroom plugin, enough for one
// client connection: it answers the requests JanusClient sends the way Janus 1.1 does
// (success / ack, then the plugin's event carrying the jsep) and records every message.
class FakeJanus {
 public:
  enum class Mode { Normal, CreateFails, DropAfterCreate };

  explicit FakeJanus(Mode mode = Mode::Normal) : mode_(mode), acceptor_(io_) {
    tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }

  ~FakeJanus() {
    // Unblocks a blocking accept or read if the client never came or never left.
    if (!accepted_) {
      boost::system::error_code ignored;
      tcp::socket poke(io_);
      poke.connect(acceptor_.local_endpoint(), ignored);
      thread_.join();
      return;
    }
    ::shutdown(nativeSocket_.load(), SHUT_RDWR);
    thread_.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  bool finished() const { return finished_; }
  std::string subprotocol() const {
    std::lock_guard lock(mutex_);
    return subprotocol_;
  }
  std::vector<Json> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // The received messages whose "janus" is `kind`.
  std::vector<Json> receivedOf(const std::string& kind) const {
    std::vector<Json> out;
    for (auto& m : received())
      if (m.getString("janus") == kind) out.push_back(m);
    return out;
  }

 private:
  void serve() {
    tcp::socket socket(io_);
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    accepted_ = true;
    if (ec) return finish();
    nativeSocket_ = socket.native_handle();
    websocket::stream<tcp::socket> ws(std::move(socket));
    beast::flat_buffer buffer;
    beast::http::request<beast::http::string_body> request;
    beast::http::read(ws.next_layer(), buffer, request, ec);
    if (ec) return finish();
    {
      std::lock_guard lock(mutex_);
      subprotocol_ = std::string(request[beast::http::field::sec_websocket_protocol]);
    }
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(beast::http::field::sec_websocket_protocol, "janus-protocol");
    }));
    ws.accept(request, ec);
    if (ec) return finish();
    for (;;) {
      beast::flat_buffer frame;
      ws.read(frame, ec);
      if (ec) break;
      auto message = Json::parse(beast::buffers_to_string(frame.data()));
      if (!message) continue;
      {
        std::lock_guard lock(mutex_);
        received_.push_back(*message);
      }
      bool keepGoing = true;
      for (auto& reply : answer(*message, keepGoing)) {
        ws.write(boost::asio::buffer(reply.dump()), ec);
        if (ec) break;
      }
      if (!keepGoing) {
        ws.close(websocket::close_code::going_away, ec);
        break;
      }
    }
    finish();
  }

  void finish() { finished_ = true; }

  static Json event(const Json& request, std::int64_t sender, Json data,
                    std::optional<Json> jsep = std::nullopt) {
    Json e = Json::object({{"janus", "event"}, {"session_id", kSession}, {"sender", sender}});
    if (auto t = request.getString("transaction")) e.set("transaction", *t);
    e.set("plugindata", Json::object({{"plugin", "janus.plugin.videoroom"}, {"data", data}}));
    if (jsep) e.set("jsep", std::move(*jsep));
    return e;
  }

  static Json trickle(std::int64_t sender, const char* candidate) {
    return Json::object(
        {{"janus", "trickle"},
         {"session_id", kSession},
         {"sender", sender},
         {"candidate",
          Json::object({{"sdpMid", "0"}, {"sdpMLineIndex", 0}, {"candidate", candidate}})}});
  }

  std::vector<Json> answer(const Json& m, bool& keepGoing) {
    std::string kind = m.getString("janus").value_or("");
    std::string transaction = m.getString("transaction").value_or("");
    auto success = [&](std::optional<std::int64_t> id) {
      Json s = Json::object({{"janus", "success"}, {"transaction", transaction}});
      if (id) s.set("data", Json::object({{"id", *id}}));
      return s;
    };
    Json ack =
        Json::object({{"janus", "ack"}, {"session_id", kSession}, {"transaction", transaction}});
    if (kind == "create") {
      if (mode_ == Mode::CreateFails) {
        return {
            Json::object({{"janus", "error"},
                          {"transaction", transaction},
                          {"error", Json::object({{"code", 403}, {"reason", "Unauthorized"}})}}),
            Json::object({{"janus", "error"},
                          {"transaction", "unknown"},
                          {"error", Json::object({{"code", 458}, {"reason", "Again"}})}})};
      }
      if (mode_ == Mode::DropAfterCreate) keepGoing = false;
      return {success(kSession)};
    }
    if (kind == "attach") return {success(nextHandle_++)};
    if (kind == "keepalive" || kind == "trickle") return {ack};
    if (kind == "detach" || kind == "destroy") return {success(std::nullopt)};
    if (kind != "message") return {};
    std::int64_t handle = m.getInt("handle_id").value_or(0);
    const Json* body = m.find("body");
    if (!body) return {};
    std::string request = body->getString("request").value_or("");
    if (request == "join" && body->getString("ptype") == "publisher") {
      if (body->getInt("room") != static_cast<std::int64_t>(kRoom)) {
        return {ack, event(m, handle,
                           Json::object({{"videoroom", "event"},
                                         {"error_code", 426},
                                         {"error", "No such room (999)"}}))};
      }
      return {ack, event(m, handle,
                         Json::object({{"videoroom", "joined"},
                                       {"room", kRoom},
                                       {"id", kFeed},
                                       {"publishers", Json::array()}}))};
    }
    if (request == "configure") {
      const Json* jsep = m.find("jsep");
      std::string offer = jsep ? jsep->getString("sdp").value_or("") : "";
      return {ack,
              event(m, handle, Json::object({{"videoroom", "event"}, {"configured", "ok"}}),
                    Json::object({{"type", "answer"}, {"sdp", "answer to " + offer}})),
              trickle(handle, kPublisherCandidate),
              // Janus says so once ICE and DTLS are through; here right after the candidate.
              Json::object({{"janus", "webrtcup"}, {"session_id", kSession}, {"sender", handle}})};
    }
    if (request == "join" && body->getString("ptype") == "subscriber") {
      const Json* streams = body->find("streams");
      std::int64_t feed =
          streams && streams->size() == 1 ? streams->at(0).getInt("feed").value_or(0) : 0;
      return {ack,
              event(m, handle, Json::object({{"videoroom", "attached"}, {"room", kRoom}}),
                    Json::object({{"type", "offer"}, {"sdp", "offer of " + std::to_string(feed)}})),
              trickle(handle, kSubscriberCandidate)};
    }
    if (request == "start") {
      return {ack, event(m, handle, Json::object({{"videoroom", "event"}, {"started", "ok"}}))};
    }
    return {ack};
  }

  Mode mode_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> accepted_{false};
  std::atomic<bool> finished_{false};
  std::atomic<int> nativeSocket_{-1};
  std::int64_t nextHandle_ = 9001;
  mutable std::mutex mutex_;
  std::string subprotocol_;
  std::vector<Json> received_;
};

struct RecordingListener : SignalingClient::Listener {
  int joined = 0;
  std::string offer = "v=0 publisher offer";
  std::vector<std::string> answers;
  std::vector<std::string> published;
  std::vector<std::pair<std::string, std::string>> offers;  // stream id, sdp
  std::vector<std::pair<std::string, std::string>> candidates;
  std::vector<std::string> failures;
  std::vector<std::string> sequence;  // answer, candidate and published calls in order

  void onJoined() override { ++joined; }
  std::string onOfferWanted() override { return offer; }
  void onAnswer(const std::string& sdp) override {
    answers.push_back(sdp);
    sequence.push_back("answer");
  }
  void onPublished(const std::string& streamId) override {
    published.push_back(streamId);
    sequence.push_back("published");
  }
  std::string onOffer(const std::string& streamId, const std::string& sdp) override {
    offers.emplace_back(streamId, sdp);
    return "v=0 answer for " + streamId;
  }
  void onRemoteCandidate(const std::string& streamId, const std::string& candidate) override {
    candidates.emplace_back(streamId, candidate);
    sequence.push_back("candidate");
  }
  void onFailed(const std::string& why) override { failures.push_back(why); }
};

// Runs `io` until `done` holds; false after 20 s (a generous bound for a busy machine).
bool runUntil(boost::asio::io_context& io, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
  }
  return true;
}

const Json* bodyOf(const Json& message) {
  return message.find("body");
}

TEST(JanusClientTest, PublisherJoinsPublishesAndReportsItsFeed) {
  FakeJanus janus;
  boost::asio::io_context io;
  RecordingListener listener;
  JanusClient client(io, janus.url(), kRoom, listener);
  client.join();
  ASSERT_TRUE(runUntil(io, [&] { return listener.joined > 0 || !listener.failures.empty(); }));
  ASSERT_TRUE(listener.failures.empty()) << listener.failures.front();
  EXPECT_EQ(janus.subprotocol(), "janus-protocol");

  auto attaches = janus.receivedOf("attach");
  ASSERT_EQ(attaches.size(), 1u);
  EXPECT_EQ(attaches[0].getString("plugin"), "janus.plugin.videoroom");
  EXPECT_EQ(attaches[0].getInt("session_id"), kSession);
  auto messages = janus.receivedOf("message");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].getInt("handle_id"), 9001);
  EXPECT_EQ(bodyOf(messages[0])->getString("request"), "join");
  EXPECT_EQ(bodyOf(messages[0])->getString("ptype"), "publisher");
  EXPECT_EQ(bodyOf(messages[0])->getInt("room"), 1234);
  EXPECT_TRUE(listener.published.empty());

  client.publish();
  ASSERT_TRUE(
      runUntil(io, [&] { return !listener.published.empty() && !listener.candidates.empty(); }));
  ASSERT_EQ(listener.answers.size(), 1u);
  EXPECT_EQ(listener.answers[0], "answer to v=0 publisher offer");
  EXPECT_EQ(listener.published, std::vector<std::string>{"4242"});
  ASSERT_EQ(listener.candidates.size(), 1u);
  EXPECT_EQ(listener.candidates[0].first, "");
  EXPECT_EQ(listener.candidates[0].second, kPublisherCandidate);
  // The stream is announced on webrtcup, which the fake sends after the candidate: Janus
  // refuses subscriptions to a publisher whose PeerConnection is not up.
  EXPECT_EQ(listener.sequence, (std::vector<std::string>{"answer", "candidate", "published"}));

  messages = janus.receivedOf("message");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(bodyOf(messages[1])->getString("request"), "configure");
  EXPECT_EQ(bodyOf(messages[1])->getBool("audio"), true);
  EXPECT_EQ(bodyOf(messages[1])->getBool("video"), true);
  const Json* jsep = messages[1].find("jsep");
  ASSERT_NE(jsep, nullptr);
  EXPECT_EQ(jsep->getString("type"), "offer");
  EXPECT_EQ(jsep->getString("sdp"), "v=0 publisher offer");
  auto trickles = janus.receivedOf("trickle");
  ASSERT_EQ(trickles.size(), 1u);
  EXPECT_EQ(trickles[0].find("candidate")->getBool("completed"), true);

  // Every request had its own transaction.
  std::vector<std::string> transactions;
  for (auto& m : janus.received()) transactions.push_back(m.getString("transaction").value_or(""));
  std::sort(transactions.begin(), transactions.end());
  EXPECT_EQ(std::adjacent_find(transactions.begin(), transactions.end()), transactions.end());
  EXPECT_EQ(std::count(transactions.begin(), transactions.end(), ""), 0);

  client.close();
  ASSERT_TRUE(runUntil(io, [&] { return janus.finished(); }));
  auto detaches = janus.receivedOf("detach");
  ASSERT_EQ(detaches.size(), 1u);
  EXPECT_EQ(detaches[0].getInt("handle_id"), 9001);
  ASSERT_EQ(janus.receivedOf("destroy").size(), 1u);
  EXPECT_EQ(janus.received().back().getString("janus"), "destroy");
  EXPECT_TRUE(listener.failures.empty());
}

TEST(JanusClientTest, SubscriberOnlyClientSkipsThePublisherJoinAndAnswersTheOffer) {
  FakeJanus janus;
  boost::asio::io_context io;
  RecordingListener listener;
  JanusClient client(io, janus.url(), kRoom, listener, /*joinAsPublisher=*/false);
  client.join();
  ASSERT_TRUE(runUntil(io, [&] { return listener.joined > 0 || !listener.failures.empty(); }));
  ASSERT_TRUE(listener.failures.empty()) << listener.failures.front();
  EXPECT_TRUE(janus.receivedOf("attach").empty());
  EXPECT_EQ(janus.receivedOf("create").size(), 1u);

  client.subscribe("4242");
  ASSERT_TRUE(runUntil(io, [&] {
    for (auto& m : janus.receivedOf("message"))
      if (bodyOf(m)->getString("request") == "start") return !listener.candidates.empty();
    return false;
  }));
  ASSERT_EQ(listener.offers.size(), 1u);
  EXPECT_EQ(listener.offers[0].first, "4242");
  EXPECT_EQ(listener.offers[0].second, "offer of 4242");
  ASSERT_EQ(listener.candidates.size(), 1u);
  EXPECT_EQ(listener.candidates[0].first, "4242");
  EXPECT_EQ(listener.candidates[0].second, kSubscriberCandidate);

  auto messages = janus.receivedOf("message");
  ASSERT_EQ(messages.size(), 2u);
  const Json& join = *bodyOf(messages[0]);
  EXPECT_EQ(join.getString("request"), "join");
  EXPECT_EQ(join.getString("ptype"), "subscriber");
  EXPECT_EQ(join.getInt("room"), 1234);
  ASSERT_NE(join.find("streams"), nullptr);
  ASSERT_EQ(join.find("streams")->size(), 1u);
  EXPECT_EQ(join.find("streams")->at(0).getInt("feed"), kFeed);
  EXPECT_EQ(messages[1].getInt("handle_id"), messages[0].getInt("handle_id"));
  const Json* jsep = messages[1].find("jsep");
  ASSERT_NE(jsep, nullptr);
  EXPECT_EQ(jsep->getString("type"), "answer");
  EXPECT_EQ(jsep->getString("sdp"), "v=0 answer for 4242");

  client.close();
  ASSERT_TRUE(runUntil(io, [&] { return janus.finished(); }));
  EXPECT_EQ(janus.receivedOf("detach").size(), 1u);
  EXPECT_EQ(janus.receivedOf("destroy").size(), 1u);
  EXPECT_TRUE(listener.failures.empty());
}

TEST(JanusClientTest, SubscribeBeforeTheSessionExistsWaitsForIt) {
  FakeJanus janus;
  boost::asio::io_context io;
  RecordingListener listener;
  JanusClient client(io, janus.url(), kRoom, listener, false);
  client.join();
  client.subscribe("4242");
  ASSERT_TRUE(runUntil(io, [&] { return !listener.offers.empty() || !listener.failures.empty(); }));
  EXPECT_TRUE(listener.failures.empty());
  EXPECT_EQ(listener.joined, 1);
  EXPECT_EQ(janus.receivedOf("attach").at(0).getInt("session_id"), kSession);
}

TEST(JanusClientTest, JanusErrorFailsOnce) {
  FakeJanus janus(FakeJanus::Mode::CreateFails);
  boost::asio::io_context io;
  RecordingListener listener;
  JanusClient client(io, janus.url(), kRoom, listener);
  client.join();
  ASSERT_TRUE(runUntil(io, [&] { return !listener.failures.empty(); }));
  // Let the second error arrive too: it must not be reported again.
  ASSERT_TRUE(runUntil(io, [&] { return janus.received().size() >= 1; }));
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  ASSERT_EQ(listener.failures.size(), 1u);
  EXPECT_NE(listener.failures[0].find("Unauthorized (403)"), std::string::npos)
      << listener.failures[0];
  EXPECT_EQ(listener.joined, 0);
  client.close();
  ASSERT_TRUE(runUntil(io, [&] { return janus.finished(); }));
  EXPECT_EQ(listener.failures.size(), 1u);
}

TEST(JanusClientTest, MissingRoomFailsTheJoin) {
  FakeJanus janus;
  boost::asio::io_context io;
  RecordingListener listener;
  JanusClient client(io, janus.url(), 999, listener);
  client.join();
  ASSERT_TRUE(runUntil(io, [&] { return !listener.failures.empty(); }));
  EXPECT_NE(listener.failures[0].find("No such room"), std::string::npos) << listener.failures[0];
  EXPECT_EQ(listener.joined, 0);
  client.close();
  ASSERT_TRUE(runUntil(io, [&] { return janus.finished(); }));
  EXPECT_EQ(listener.failures.size(), 1u);
}

TEST(JanusClientTest, LostSocketFailsOnceAndCloseAfterwardsIsQuiet) {
  FakeJanus janus(FakeJanus::Mode::DropAfterCreate);
  boost::asio::io_context io;
  RecordingListener listener;
  JanusClient client(io, janus.url(), kRoom, listener);
  client.join();
  ASSERT_TRUE(runUntil(io, [&] { return !listener.failures.empty(); }));
  EXPECT_NE(listener.failures[0].find("closed"), std::string::npos) << listener.failures[0];
  client.close();
  client.publish();
  io.restart();
  io.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ(listener.failures.size(), 1u);
  EXPECT_EQ(listener.joined, 0);
}

TEST(JanusClientTest, DestroyingTheClientLeavesPolitely) {
  FakeJanus janus;
  boost::asio::io_context io;
  RecordingListener listener;
  {
    JanusClient client(io, janus.url(), kRoom, listener);
    client.join();
    ASSERT_TRUE(runUntil(io, [&] { return listener.joined > 0; }));
  }
  // The session is still destroyed and the socket closed after the client object is gone.
  ASSERT_TRUE(runUntil(io, [&] { return janus.finished(); }));
  EXPECT_EQ(janus.receivedOf("destroy").size(), 1u);
  EXPECT_TRUE(listener.failures.empty());
}

TEST(JanusClientTest, FeedIdsAreDecimalNonzeroInt64) {
  EXPECT_EQ(JanusClient::parseFeedId("4242"), 4242u);
  EXPECT_EQ(JanusClient::parseFeedId("9007199254740991"), 9007199254740991u);
  EXPECT_FALSE(JanusClient::parseFeedId(""));
  EXPECT_FALSE(JanusClient::parseFeedId("0"));
  EXPECT_FALSE(JanusClient::parseFeedId("-1"));
  EXPECT_FALSE(JanusClient::parseFeedId("12x"));
  EXPECT_FALSE(JanusClient::parseFeedId(" 12"));
  EXPECT_FALSE(JanusClient::parseFeedId("9223372036854775808"));
}

TEST(JanusClientTest, PluginAndJanusErrorsAreReadable) {
  EXPECT_FALSE(JanusClient::pluginError(Json::object({{"videoroom", "joined"}})));
  EXPECT_EQ(JanusClient::pluginError(Json::object(
                {{"videoroom", "event"}, {"error_code", 426}, {"error", "No such room"}})),
            "No such room (426)");
  EXPECT_EQ(JanusClient::janusError(Json::object(
                {{"janus", "error"},
                 {"error", Json::object({{"code", 458}, {"reason", "No such session"}})}})),
            "No such session (458)");
}

}  // namespace
}  // namespace parley::load
