#include "http/HttpClient.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "http/HttpServer.h"

namespace parley::http {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A real HttpServer on its own thread, answering with `status` and remembering the request.
class Receiver {
 public:
  explicit Receiver(int status, std::string location = {}) {
    HttpServer::Options options;
    options.port = 0;
    server_ = std::make_unique<HttpServer>(io_, options, [this, status, location](HttpRequest& r) {
      std::lock_guard lock(mutex_);
      last_ = r;
      ++hits_;
      HttpResponse response = HttpResponse::text(status, "ok");
      if (!location.empty()) response.setHeader("Location", location);
      return response;
    });
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~Receiver() {
    boost::asio::post(io_, [this] {
      server_->stop();
      io_.stop();
    });
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  HttpRequest last() {
    std::lock_guard lock(mutex_);
    return last_;
  }
  int hits() {
    std::lock_guard lock(mutex_);
    return hits_;
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  HttpRequest last_;
  int hits_ = 0;
};

// Accepts TCP connections into its backlog and never answers.
class Silent {
 public:
  Silent() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {}
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/";
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

HttpClient::Options shortTimeouts() {
  HttpClient::Options options;
  options.connectTimeout = milliseconds(300);
  options.exchangeTimeout = milliseconds(300);
  return options;
}

TEST(HttpClientTest, PostsJsonWithOurHeaders) {
  Receiver receiver(201);
  HttpClient client({});
  auto result = client.post(receiver.url("/hooks/ot?k=v"), R"({"event":"x"})", "application/json");
  EXPECT_EQ(result.status, 201) << result.error;
  EXPECT_TRUE(result.ok());
  HttpRequest seen = receiver.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/hooks/ot?k=v");
  EXPECT_EQ(seen.body, R"({"event":"x"})");
  EXPECT_EQ(seen.header("Content-Type"), "application/json");
  EXPECT_EQ(seen.header("User-Agent"), "parleyd");
  EXPECT_EQ(seen.header("Host"), receiver.url("").substr(7));
}

TEST(HttpClientTest, ReportsErrorStatuses) {
  Receiver receiver(500);
  HttpClient client({});
  auto result = client.post(receiver.url("/"), "{}", "application/json");
  EXPECT_EQ(result.status, 500);
  EXPECT_FALSE(result.ok());
}

TEST(HttpClientTest, RefusedConnectionIsAnError) {
  std::string url;
  {
    Silent closedAgain;  // a port that was just free
    url = closedAgain.url();
  }
  HttpClient client(shortTimeouts());
  auto result = client.post(url, "{}", "application/json");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error, "");
}

TEST(HttpClientTest, SilentReceiverTimesOut) {
  Silent silent;
  HttpClient client(shortTimeouts());
  const auto started = Clock::now();
  auto result = client.post(silent.url(), "{}", "application/json");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("receive"), std::string::npos) << result.error;
  EXPECT_LT(Clock::now() - started, milliseconds(3000));
}

TEST(HttpClientTest, CancelEndsAHangingPost) {
  Silent silent;
  HttpClient client({});  // 5 s timeouts: only the cancel can end it early
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(milliseconds(100));
    cancel = true;
  });
  const auto started = Clock::now();
  auto result = client.post(silent.url(), "{}", "application/json", &cancel);
  canceller.join();
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "cancelled");
  EXPECT_LT(Clock::now() - started, milliseconds(2000));
}

TEST(HttpClientTest, InvalidUrlIsAnError) {
  HttpClient client({});
  auto result = client.post("ftp://example.com/", "{}", "application/json");
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "invalid URL");
}

TEST(HttpClientTest, ExtraHeadersAreSent) {
  Receiver receiver(202);
  HttpClient client({});
  auto result = client.post(receiver.url("/"), "{}", "application/json", nullptr,
                            {{"Webhook-Id", "evt-1"}, {"Webhook-Signature", "v1,abc"}});
  EXPECT_EQ(result.status, 202) << result.error;
  EXPECT_EQ(receiver.last().header("Webhook-Id"), "evt-1");
  EXPECT_EQ(receiver.last().header("Webhook-Signature"), "v1,abc");
}

TEST(HttpClientTest, ARefusedAddressIsNeverConnectedTo) {
  Receiver receiver(200);
  HttpClient::Options options;
  std::vector<std::string> judged;
  options.refuseAddress = [&](const boost::asio::ip::address& a) -> std::optional<std::string> {
    judged.push_back(a.to_string());
    if (a.is_loopback()) return "loopback";
    return std::nullopt;
  };
  HttpClient client(options);
  auto result = client.post(receiver.url("/"), "{}", "application/json");
  EXPECT_TRUE(result.refused);
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("loopback"), std::string::npos) << result.error;
  EXPECT_EQ(judged, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(receiver.hits(), 0);
}

TEST(HttpClientTest, RedirectsAreNotFollowed) {
  Receiver target(200);
  Receiver redirecting(302, target.url("/elsewhere"));
  HttpClient client({});
  auto result = client.post(redirecting.url("/"), "{}", "application/json");
  EXPECT_EQ(result.status, 302);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(redirecting.hits(), 1);
  EXPECT_EQ(target.hits(), 0);
}

}  // namespace
}  // namespace parley::http
