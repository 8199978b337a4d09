#include "http/ArchiveDownloadHandler.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <thread>

#include "../store/TempDirectory.h"
#include "core/Base64.h"
#include "core/Clock.h"
#include "core/Crypto.h"
#include "core/UrlSignature.h"
#include "http/ApiServer.h"
#include "http/HttpServer.h"
#include "media/dtls/DtlsCertificate.h"
#include "session/SessionManager.h"
#include "store/SqliteStore.h"

namespace parley::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Reply = bhttp::response<bhttp::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kKey = "12345678";
constexpr const char* kOtherKey = "87654321";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
// Not a multiple of the server's 64 KiB chunk, so the last chunk is a short one.
constexpr std::size_t kZipSize = 3 * 1024 * 1024 + 12345;

std::string randomBytes(std::size_t n) {
  std::mt19937_64 rng(42);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

// How many of this process's descriptors have `path` open (the server runs in-process).
int openCount(const std::filesystem::path& path) {
  int n = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    std::error_code linkError;
    if (std::filesystem::read_symlink(entry.path(), linkError) == path) ++n;
  }
  return n;
}

bool waitFor(const std::function<bool()>& condition,
             std::chrono::seconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// A synchronous client for one connection, plain or TLS.
template <class Stream>
Reply exchange(Stream& stream, beast::flat_buffer& buffer, const std::string& method,
               const std::string& target, const Headers& headers) {
  bhttp::request<bhttp::empty_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  bhttp::write(stream, req);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  bhttp::read(stream, buffer, parser);
  return parser.release();
}

class Client {
 public:
  explicit Client(std::uint16_t port, bool tls = false) : tls_(tls) {
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    if (tls_) {
      ssl_.set_verify_mode(asio::ssl::verify_none);  // the test's self-signed certificate
      tlsStream_.emplace(io_, ssl_);
      beast::get_lowest_layer(*tlsStream_).connect(endpoint);
      tlsStream_->handshake(asio::ssl::stream_base::client);
    } else {
      socket_.connect(endpoint);
    }
  }
  Reply request(const std::string& method, const std::string& target, const Headers& headers = {}) {
    if (tls_) return exchange(*tlsStream_, buffer_, method, target, headers);
    return exchange(socket_, buffer_, method, target, headers);
  }

 private:
  bool tls_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  asio::ssl::context ssl_{asio::ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> tlsStream_;
  beast::flat_buffer buffer_;
};

// The real HttpServer and ApiServer on a thread of their own, over a real SqliteStore.
class ArchiveDownloadHandlerTest : public ::testing::Test {
 protected:
  ArchiveDownloadHandlerTest()
      : store_(dir_.file("parley.db")), sessions_(store_, {}, [](std::string_view) {
          return std::optional<std::string>(kSecret);
        }) {
    store_.insertProject({kKey, kSecret, "test", 1});
    store_.insertProject({kOtherKey, kSecret, "other", 1});
    std::filesystem::create_directories(archivesDir());
    zip_ = randomBytes(kZipSize);
    addArchive(available_, "available", zip_);
    addArchive(started_, "started", "not yet");
    addArchive(noFile_, "available", std::nullopt);
    addArchive(big_, "available", std::nullopt);
    // Sparse: far more than socket buffers hold, without using the disk.
    std::ofstream(zipPath(big_)).close();
    std::filesystem::resize_file(zipPath(big_), 256u * 1024 * 1024);
  }
  ~ArchiveDownloadHandlerTest() override { stop(); }

  std::string archivesDir() const { return (dir_.path() / "archives").string(); }
  std::filesystem::path zipPath(const std::string& id) const {
    return dir_.path() / "archives" / (id + ".zip");
  }

  void addArchive(const std::string& id, const std::string& status,
                  const std::optional<std::string>& zip) {
    store::ArchiveRecord a;
    a.id = id;
    a.apiKey = kKey;
    a.sessionId = "1_MX4xMjM0NTY3OH4";
    a.status = status;
    a.outputMode = "individual";
    a.createdAtMs = a.updatedAtMs = 1000;
    if (zip) {
      std::ofstream(zipPath(id), std::ios::binary) << *zip;
      a.sizeBytes = static_cast<std::int64_t>(zip->size());
      a.sha256 = core::Base64::encode(core::Crypto::sha256(*zip));  // as sha256sum
    }
    store_.insertArchive(a);
  }

  void start(HttpServer::Options options = {}) {
    ApiServer::Settings settings{"http://127.0.0.1", "127.0.0.1", 5090};
    settings.archivesDir = archivesDir();
    settings.urlSigningKey = signingKey_;
    api_ = std::make_unique<ApiServer>(std::move(settings), store_, sessions_);
    options.port = 0;
    server_ = std::make_unique<HttpServer>(io_, options,
                                           [this](HttpRequest& r) { return api_->handle(r); });
    server_->start();
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      server_->stop();
      io_.stop();
    });
    thread_.join();
  }

  // The path and query of a link as the REST API would hand it out.
  std::string target(const std::string& id, const std::string& key = kKey) const {
    std::string link = api_->archiveDownloads()->link("", key, id, 600);
    return link;
  }

  std::string signedTarget(const std::string& key, const std::string& id,
                           std::int64_t expires) const {
    return "/v2/project/" + key + "/archive/" + id +
           "/download?expires=" + std::to_string(expires) + "&signature=" +
           core::UrlSignature::sign(signingKey_, ArchiveDownloadHandler::resource(key, id),
                                    expires);
  }

  static std::string description(const Reply& r) {
    auto body = core::Json::parse(r.body());
    return body ? body->getString("description").value_or("") : "";
  }

  store::test::TempDirectory dir_;
  store::SqliteStore store_;
  session::SessionManager sessions_;
  std::string signingKey_ = core::Crypto::randomBytes(32);
  std::string available_ = core::Crypto::uuid4();
  std::string started_ = core::Crypto::uuid4();
  std::string noFile_ = core::Crypto::uuid4();
  std::string big_ = core::Crypto::uuid4();
  std::string zip_;
  asio::io_context io_;
  std::unique_ptr<ApiServer> api_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(ArchiveDownloadHandlerTest, LinksAreSignedForOneArchiveAndExpireAfterTheTtl) {
  start();
  const auto before = core::Clock::nowSeconds();
  const std::string link =
      api_->archiveDownloads()->link("https://video.example/base", kKey, available_, 600);
  const std::string prefix =
      "https://video.example/base/v2/project/12345678/archive/" + available_ + "/download?";
  ASSERT_EQ(link.rfind(prefix, 0), 0u) << link;
  HttpRequest parsed;
  parsed.query = link.substr(prefix.size());
  const auto expires = parsed.queryParam("expires");
  const auto signature = parsed.queryParam("signature");
  ASSERT_TRUE(expires && signature) << link;
  const std::int64_t at = std::stoll(*expires);
  EXPECT_GE(at, before + 600);
  EXPECT_LE(at, core::Clock::nowSeconds() + 600);
  EXPECT_EQ(core::UrlSignature::verify(signingKey_, "archive-download\n12345678\n" + available_,
                                       *expires, *signature, at),
            core::UrlSignature::Check::Valid);
}

TEST_F(ArchiveDownloadHandlerTest, GetStreamsTheWholeZip) {
  start();
  Client client(port_);
  Reply r = client.request("GET", target(available_), {{"Origin", "https://player.example"}});
  ASSERT_EQ(r.result_int(), 200) << r.body().substr(0, 200);
  EXPECT_EQ(r.body().size(), zip_.size());
  EXPECT_TRUE(r.body() == zip_);
  EXPECT_EQ(r[bhttp::field::content_length], std::to_string(kZipSize));
  EXPECT_EQ(r[bhttp::field::content_type], "application/zip");
  EXPECT_EQ(r[bhttp::field::content_disposition],
            "attachment; filename=\"" + available_ + ".zip\"");
  EXPECT_EQ(r[bhttp::field::accept_ranges], "bytes");
  EXPECT_EQ(r[bhttp::field::cache_control], "private, no-store");
  EXPECT_EQ(r[bhttp::field::access_control_allow_origin], "https://player.example");
  EXPECT_EQ(r[bhttp::field::etag], "\"" + core::Base64::encode(core::Crypto::sha256(zip_)) + "\"");
}

TEST_F(ArchiveDownloadHandlerTest, RangesOnOneKeptAliveConnection) {
  start();
  Client client(port_);
  // Crosses chunk boundaries at odd offsets.
  Reply r = client.request("GET", target(available_), {{"Range", "bytes=65530-1000000"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_EQ(r[bhttp::field::content_range], "bytes 65530-1000000/" + std::to_string(kZipSize));
  EXPECT_EQ(r[bhttp::field::content_length], "934471");
  EXPECT_TRUE(r.body() == zip_.substr(65530, 934471));

  r = client.request("GET", target(available_), {{"Range", "bytes=-1000"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_EQ(r[bhttp::field::content_range], "bytes " + std::to_string(kZipSize - 1000) + "-" +
                                                std::to_string(kZipSize - 1) + "/" +
                                                std::to_string(kZipSize));
  EXPECT_TRUE(r.body() == zip_.substr(kZipSize - 1000));

  r = client.request("GET", target(available_), {{"Range", "bytes=3000000-"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_TRUE(r.body() == zip_.substr(3000000));

  // The whole file after the ranges, still on the same connection.
  r = client.request("GET", target(available_));
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_TRUE(r.body() == zip_);
}

TEST_F(ArchiveDownloadHandlerTest, RangeStartingPastTheEndIs416) {
  start();
  Client client(port_);
  Reply r = client.request("GET", target(available_),
                           {{"Range", "bytes=" + std::to_string(kZipSize) + "-"}});
  EXPECT_EQ(r.result_int(), 416);
  EXPECT_EQ(r[bhttp::field::content_range], "bytes */" + std::to_string(kZipSize));
  // The connection goes on.
  r = client.request("GET", target(available_), {{"Range", "bytes=0-9"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_EQ(r.body(), zip_.substr(0, 10));
}

TEST_F(ArchiveDownloadHandlerTest, IfRangeMustMatchTheEtagForARange) {
  start();
  Client client(port_);
  const std::string etag = "\"" + core::Base64::encode(core::Crypto::sha256(zip_)) + "\"";
  Reply r =
      client.request("GET", target(available_), {{"Range", "bytes=100-199"}, {"If-Range", etag}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_EQ(r.body(), zip_.substr(100, 100));
  r = client.request("GET", target(available_),
                     {{"Range", "bytes=100-199"}, {"If-Range", "\"something-else\""}});
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body().size(), kZipSize);
}

TEST_F(ArchiveDownloadHandlerTest, HeadSendsTheHeadersOnly) {
  start();
  Client client(port_);
  Reply r = client.request("HEAD", target(available_));
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_length], std::to_string(kZipSize));
  EXPECT_EQ(r[bhttp::field::accept_ranges], "bytes");
  r = client.request("HEAD", target(available_), {{"Range", "bytes=10-19"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_EQ(r[bhttp::field::content_length], "10");
  // Had a body followed either HEAD, this response would not parse.
  r = client.request("GET", target(available_), {{"Range", "bytes=0-4"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_EQ(r.body(), zip_.substr(0, 5));
}

TEST_F(ArchiveDownloadHandlerTest, BadTamperedAndExpiredLinksAre403) {
  start();
  Client client(port_);
  const std::string good = target(available_);

  std::string tampered = good;
  char& last = tampered.back();
  last = last == '0' ? '1' : '0';
  Reply r = client.request("GET", tampered);
  EXPECT_EQ(r.result_int(), 403);
  EXPECT_EQ(description(r), "invalid signature");

  const std::string path =
      "/v2/project/" + std::string(kKey) + "/archive/" + available_ + "/download";
  for (const std::string& t : {path, path + "?expires=99999999999", path + "?signature=00"}) {
    r = client.request("GET", t);
    EXPECT_EQ(r.result_int(), 403) << t;
    EXPECT_EQ(description(r), "invalid signature") << t;
  }

  // A later expiry with the old signature.
  std::string extended = good;
  const auto at = extended.find("expires=") + 8;
  extended[at] = static_cast<char>(extended[at] + 1);
  r = client.request("GET", extended);
  EXPECT_EQ(r.result_int(), 403);
  EXPECT_EQ(description(r), "invalid signature");

  r = client.request("GET", signedTarget(kKey, available_, core::Clock::nowSeconds() - 5));
  EXPECT_EQ(r.result_int(), 403);
  EXPECT_EQ(description(r), "link expired");
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");

  // Signed with another key: invalid, not merely expired.
  r = client.request(
      "GET", "/v2/project/" + std::string(kKey) + "/archive/" + available_ +
                 "/download?expires=100&signature=" +
                 core::UrlSignature::sign("another key",
                                          ArchiveDownloadHandler::resource(kKey, available_), 100));
  EXPECT_EQ(r.result_int(), 403);
  EXPECT_EQ(description(r), "invalid signature");
}

TEST_F(ArchiveDownloadHandlerTest, ALinkOpensOnlyItsOwnArchive) {
  start();
  Client client(port_);
  const std::string good = target(available_);
  const std::string query = good.substr(good.find('?'));
  // Another archive of the project, and the same archive id under another project.
  Reply r = client.request(
      "GET", "/v2/project/" + std::string(kKey) + "/archive/" + noFile_ + "/download" + query);
  EXPECT_EQ(r.result_int(), 403);
  EXPECT_EQ(description(r), "invalid signature");
  r = client.request("GET", "/v2/project/" + std::string(kOtherKey) + "/archive/" + available_ +
                                "/download" + query);
  EXPECT_EQ(r.result_int(), 403);
  // A properly signed link for the other project's key still finds nothing there.
  r = client.request("GET", signedTarget(kOtherKey, available_, core::Clock::nowSeconds() + 60));
  EXPECT_EQ(r.result_int(), 404);
}

TEST_F(ArchiveDownloadHandlerTest, UnavailableMissingAndUnknownArchivesAre404) {
  start();
  Client client(port_);
  Reply r = client.request("GET", target(started_));
  EXPECT_EQ(r.result_int(), 404) << "an archive still recording has no download";
  r = client.request("GET", target(noFile_));
  EXPECT_EQ(r.result_int(), 404) << "available but its ZIP is gone";
  r = client.request("GET", target(core::Crypto::uuid4()));
  EXPECT_EQ(r.result_int(), 404);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
}

TEST_F(ArchiveDownloadHandlerTest, NotServedWithoutASigningKey) {
  ApiServer::Settings settings{"http://127.0.0.1", "127.0.0.1", 5090};
  settings.archivesDir = archivesDir();
  ApiServer api(std::move(settings), store_, sessions_);
  EXPECT_EQ(api.archiveDownloads(), nullptr);
  HttpRequest request;
  request.method = "GET";
  request.target = signedTarget(kKey, available_, core::Clock::nowSeconds() + 60);
  EXPECT_EQ(api.handle(request).status, 404);
}

TEST_F(ArchiveDownloadHandlerTest, AClientThatHangsUpMidDownloadFreesTheFile) {
  start();
  const auto path = zipPath(big_);
  {
    asio::io_context io;
    tcp::socket socket(io);
    socket.open(tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(4096));
    socket.connect({asio::ip::make_address("127.0.0.1"), port_});
    const std::string request = "GET " + target(big_) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    asio::write(socket, asio::buffer(request));
    std::array<char, 4096> some{};
    ASSERT_GT(socket.read_some(asio::buffer(some)), 0u);
    ASSERT_TRUE(waitFor([&] { return openCount(path) == 1; })) << "the transfer holds the file";
    // Closing with unread data resets the connection under the server's next write.
  }
  EXPECT_TRUE(waitFor([&] { return openCount(path) == 0; }));
  EXPECT_TRUE(waitFor([&] {
    std::promise<std::size_t> open;
    asio::post(io_, [&] { open.set_value(server_->openConnections()); });
    return open.get_future().get() == 0;
  })) << "the connection is gone too";
}

TEST_F(ArchiveDownloadHandlerTest, AReaderThatStallsIsDroppedAndFreesTheFile) {
  HttpServer::Options options;
  options.readTimeout = std::chrono::seconds(1);
  start(options);
  const auto path = zipPath(big_);
  asio::io_context io;
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.set_option(asio::socket_base::receive_buffer_size(4096));
  socket.connect({asio::ip::make_address("127.0.0.1"), port_});
  const std::string request = "GET " + target(big_) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(socket, asio::buffer(request));
  ASSERT_TRUE(waitFor([&] { return openCount(path) == 1; }));
  // Never read: the server's writes stop completing and its timeout ends the transfer
  // while this socket is still open.
  EXPECT_TRUE(waitFor([&] { return openCount(path) == 0; }));
}

// The same streaming over HTTPS.
TEST_F(ArchiveDownloadHandlerTest, ServesRangesOverTls) {
  auto cert = media::dtls::DtlsCertificate::generate();
  const std::string certFile = dir_.file("cert.pem");
  const std::string keyFile = dir_.file("key.pem");
  {
    FILE* f = std::fopen(certFile.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(PEM_write_X509(f, cert->x509()), 1);
    std::fclose(f);
    f = std::fopen(keyFile.c_str(), "w");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(PEM_write_PrivateKey(f, cert->key(), nullptr, nullptr, 0, nullptr, nullptr), 1);
    std::fclose(f);
  }
  HttpServer::Options options;
  options.tlsCertFile = certFile;
  options.tlsKeyFile = keyFile;
  start(options);
  Client client(port_, true);
  Reply r = client.request("HEAD", target(available_));
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_EQ(r[bhttp::field::content_length], std::to_string(kZipSize));
  r = client.request("GET", target(available_), {{"Range", "bytes=100000-2100000"}});
  ASSERT_EQ(r.result_int(), 206);
  EXPECT_TRUE(r.body() == zip_.substr(100000, 2000001));
  r = client.request("GET", target(available_));
  ASSERT_EQ(r.result_int(), 200);
  EXPECT_TRUE(r.body() == zip_);
}

}  // namespace
}  // namespace parley::http
