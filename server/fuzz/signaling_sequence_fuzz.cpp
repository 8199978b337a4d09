// A stateful fuzzer of the signaling layer: SignalingServer + SessionManager (relayed
// sessions, real SQLite, real tokens) driven by sequences of socket events decoded from
// the input — sockets opening with or without a socketId, reconnecting, CONNECT with ids
// from a small shared pool, `connection create` with tokens of several roles, identities
// and sessions, signals, streams, subscribers, channel updates, acknowledgements, DISCONNECT,
// slow readers dropped mid-queue, closes delivered late, timers, and raw garbage frames.
//
// Besides the sanitizers, it checks the identity rule (docs/protocol.md §1.3, §6.7): a socket
// only ever receives messages addressed to connection X if it created X itself (STATUS 200 to
// its `connection create`), or it presented a socketId under which X was created.
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/Clock.h"
#include "core/SessionId.h"
#include "core/TokenMinter.h"
#include "obs/Logger.h"
#include "signaling/RaptorMessage.h"
#include "signaling/SignalingServer.h"
#include "store/SqliteStore.h"

namespace {

using namespace parley;
using core::Json;
using signaling::RumorFrame;
using Type = RumorFrame::Type;

constexpr const char* kKey = "12345678";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef01234567";
constexpr std::size_t kMaxSockets = 8;
const char* const kIds[] = {"c0", "c1", "c2", "c3"};
const char* const kSocketIds[] = {"", "s0", "s1", "s2"};
const char* const kStreams[] = {"st0", "st1"};

struct World {
  World() : store(":memory:") {
    obs::Logger::setLevel(
        obs::Logger::Level::Error);  // refusals are expected here, by the thousand
    store.insertProject({kKey, kSecret, "fuzz", 1});
    for (int i = 0; i < 2; ++i) {
      store::SessionRecord r;
      r.apiKey = kKey;
      r.properties.mediaMode = core::MediaMode::Relayed;
      r.createdAtMs = core::Clock::nowMs() + i;
      r.sessionId = core::SessionId::generate(kKey, "", r.createdAtMs, true);
      store.insertSession(r);
      sessions.push_back(r.sessionId);
    }
    const core::Role roles[] = {core::Role::Subscriber, core::Role::Publisher,
                                core::Role::Moderator};
    for (const auto& sid : sessions)
      for (auto role : roles)
        for (const char* data : {"a", "b"}) {
          core::TokenMinter::Options o;
          o.role = role;
          o.createTime = core::Clock::nowSeconds();
          o.connectionData = data;
          tokens.push_back({sid, core::TokenMinter::jwt(kKey, kSecret, sid, o)});
        }
    tokens.push_back({sessions[0], "garbage"});
  }
  store::SqliteStore store;
  std::vector<std::string> sessions;
  std::vector<std::pair<std::string, std::string>> tokens;  // session id, token
};

World& world() {
  static World w;
  return w;
}

class Sink : public http::WebSocketSink {
 public:
  void sendBinary(std::string_view message) override {
    auto frame = RumorFrame::parse(message, {});
    if (!frame) __builtin_trap();  // the server only sends well-formed frames
    // What the server answered counts even if the reader never gets it.
    if (frame->is(Type::Status))
      lastStatus[std::string(frame->header("TRANSACTION-ID").value_or(""))] =
          std::string(frame->header("STATUS").value_or(""));
    if (closed) return;
    if (slowBudget >= 0 && --slowBudget < 0) {
      closed = true;  // the HTTP layer drops a reader that fell behind
      return;
    }
    if (frame->is(Type::Message)) {
      if (frame->addresses.size() != 1) __builtin_trap();
      addressed.insert(frame->addresses[0]);
      if (auto tx = frame->header("TRANSACTION-ID")) toAck.emplace_back(*tx);
    }
  }
  void close(std::uint16_t) override { closed = true; }
  const std::string& remoteAddress() const override { return remote; }

  std::string remote = "198.51.100.1:1";
  bool closed = false;
  int slowBudget = -1;
  std::set<std::string> addressed;
  std::vector<std::string> toAck;
  std::map<std::string, std::string> lastStatus;
};

struct Socket {
  std::shared_ptr<http::WebSocketHandler> handler;
  std::shared_ptr<Sink> sink;
  std::string socketId;
  std::set<std::string> created;  // connection ids it got a 200 for
  bool closeDelivered = false;
  int next = 0;
};

class Reader {
 public:
  Reader(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool more() const { return i_ < n_; }
  std::uint8_t byte() { return i_ < n_ ? d_[i_++] : 0; }
  std::string bytes(std::size_t max) {
    std::size_t len = std::min<std::size_t>(byte() % (max + 1), n_ - i_);
    std::string s(reinterpret_cast<const char*>(d_ + i_), len);
    i_ += len;
    return s;
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

std::string frameBytes(Type type, std::vector<std::pair<std::string, std::string>> headers,
                       std::string payload = {}) {
  RumorFrame f;
  f.type = static_cast<std::uint8_t>(type);
  f.headers = std::move(headers);
  f.payload = std::move(payload);
  return f.serialize();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = world();
  boost::asio::io_context io;
  session::SessionLimits limits;
  limits.maxConnectionsPerSession = 3;
  limits.maxStreamsPerSession = 2;
  session::SessionManager sessions(w.store, limits,
                                   [](std::string_view key) -> std::optional<std::string> {
                                     if (key == kKey) return std::string(kSecret);
                                     return std::nullopt;
                                   });
  signaling::SignalingServer::Settings settings;
  settings.unacked = {.maxCount = 16, .maxBytes = 4096};
  settings.replies = {.maxCount = 4, .maxBytes = 2048};
  settings.framesPerSecond = 1e9;
  settings.frameBurst = 1e9;
  auto server = std::make_unique<signaling::SignalingServer>(io, sessions, settings);
  std::vector<Socket> sockets;
  auto started = std::chrono::steady_clock::now();
  auto clock = started;

  Reader in(data, size);
  auto pick = [&]() -> Socket* {
    if (sockets.empty()) return nullptr;
    return &sockets[in.byte() % sockets.size()];
  };
  auto send = [&](Socket& s, const std::string& bytes) {
    // A dropped socket reads nothing more (the HTTP layer shut it).
    if (!s.closeDelivered && !s.sink->closed) s.handler->onMessage(bytes, true);
  };
  auto request = [&](Socket& s, const std::string& method, const std::string& sid,
                     const std::string& suffix, Json content, const std::string& token = {}) {
    std::string txid = "t" + std::to_string(++s.next);
    Json body =
        Json::object({{"method", method},
                      {"uri", "/v2/partner/" + std::string(kKey) + "/session/" + sid + suffix},
                      {"content", std::move(content)}});
    std::vector<std::pair<std::string, std::string>> headers = {{"TRANSACTION-ID", txid}};
    if (!token.empty()) headers.emplace_back("X-TB-TOKEN-AUTH", token);
    send(s, frameBytes(Type::Message, std::move(headers), body.dump()));
    return txid;
  };

  static const bool trace = std::getenv("FUZZ_TRACE") != nullptr;
  int ops = 0;
  while (in.more() && ops++ < 96) {
    const std::uint8_t op = in.byte() % 15;
    const std::string& sid = w.sessions[in.byte() % w.sessions.size()];
    if (trace) std::fprintf(stderr, "op %d (sockets %zu)\n", op, sockets.size());
    switch (op) {
      case 0: {
        if (sockets.size() >= kMaxSockets) break;
        const std::uint8_t b = in.byte();
        http::HttpRequest r;
        r.path = std::string(signaling::SignalingServer::kPath);
        std::string socketId = kSocketIds[b % 4];
        if (!socketId.empty())
          r.query = "socketId=" + socketId + ((b & 4) ? "&reconnect=true" : "");
        r.remoteAddress = "198.51.100.1:" + std::to_string(sockets.size());
        Socket s;
        s.handler = server->accept(r);
        s.sink = std::make_shared<Sink>();
        s.socketId = socketId;
        if (!s.handler) __builtin_trap();
        s.handler->onOpen(s.sink);
        sockets.push_back(std::move(s));
        break;
      }
      case 1:
        if (Socket* s = pick())
          send(*s, frameBytes(Type::Connect, {{"uniqueId", kIds[in.byte() % 4]}}));
        break;
      case 2:
        if (Socket* s = pick()) {
          std::string id = kIds[in.byte() % 4];
          const auto& [tokenSession, token] = w.tokens[in.byte() % w.tokens.size()];
          std::string txid = request(*s, "create", tokenSession, "/connection/" + id,
                                     Json::object({{"userAgent", "fuzz"}}), token);
          if (s->sink->lastStatus[txid] == "200") s->created.insert(id);
          if (trace)
            std::fprintf(stderr, "  socket '%s' create %s → %s\n", s->socketId.c_str(), id.c_str(),
                         s->sink->lastStatus[txid].c_str());
        }
        break;
      case 3:
        if (Socket* s = pick()) {
          std::string to = (in.byte() & 1) ? std::string("/connection/") + kIds[in.byte() % 4] : "";
          request(*s, "signal", sid, to + "/signal/x",
                  Json::object({{"type", "t"}, {"data", in.bytes(32)}}));
        }
        break;
      case 4:
        if (Socket* s = pick()) {
          std::string st = kStreams[in.byte() % 2];
          Json channels =
              Json::array({Json::object({{"id", "video1"}, {"type", "video"}, {"active", true}}),
                           Json::object({{"id", "audio1"}, {"type", "audio"}, {"active", true}})});
          request(*s, (in.byte() & 1) ? "create" : "delete", sid, "/stream/" + st,
                  Json::object({{"channel", channels}}));
        }
        break;
      case 5:
        if (Socket* s = pick()) {
          std::string st = kStreams[in.byte() % 2];
          std::string sub = "sub" + std::to_string(in.byte() % 4);
          request(*s, (in.byte() & 1) ? "create" : "delete", sid,
                  "/stream/" + st + "/subscriber/" + sub, Json::object());
        }
        break;
      case 6:
        if (Socket* s = pick()) {
          std::string st = kStreams[in.byte() % 2];
          request(*s, "update", sid, "/stream/" + st + "/channel/video1",
                  Json::object({{"active", (in.byte() & 1) != 0}, {"junk", in.bytes(64)}}));
        }
        break;
      case 7:
        if (Socket* s = pick(); s && !s->sink->toAck.empty()) {
          std::size_t i = in.byte() % s->sink->toAck.size();
          send(*s, frameBytes(Type::Status, {{"TRANSACTION-ID", s->sink->toAck[i]}}));
        }
        break;
      case 8:
        if (Socket* s = pick())
          send(*s, frameBytes(Type::Disconnect, {{"reconnect", (in.byte() & 1) ? "1" : ""}}));
        break;
      case 9:  // the HTTP layer reports a close (ours or the peer's)
        if (Socket* s = pick(); s && !s->closeDelivered) {
          s->closeDelivered = true;
          s->handler->onClose();
        }
        break;
      case 10:
        if (Socket* s = pick()) s->sink->slowBudget = in.byte() % 8;
        break;
      case 11:
        clock += std::chrono::milliseconds(250 * (in.byte() % 64));
        if (in.byte() & 1)
          server->sweep(clock);
        else
          server->sweepStep(clock);
        break;
      case 12:
        if (Socket* s = pick(); s && !s->closeDelivered && !s->sink->closed)
          s->handler->onMessage(in.bytes(96), in.byte() & 1);
        break;
      case 13:
        if (Socket* s = pick()) send(*s, frameBytes(Type::Ping, {}));
        break;
      case 14:  // closes the sinks asked for are delivered
        for (auto& s : sockets)
          if (s.sink->closed && !s.closeDelivered) {
            s.closeDelivered = true;
            s.handler->onClose();
          }
        break;
    }
  }
  // The identity rule.
  std::map<std::string, std::set<std::string>> credentials;  // connection id → socketIds
  for (const auto& s : sockets)
    for (const auto& id : s.created)
      if (!s.socketId.empty()) credentials[id].insert(s.socketId);
  for (const auto& s : sockets)
    for (const auto& id : s.sink->addressed)
      if (!s.created.count(id) && !(credentials[id].count(s.socketId) && !s.socketId.empty())) {
        if (trace)
          std::fprintf(stderr, "socket '%s' got messages for %s\n", s.socketId.c_str(), id.c_str());
        __builtin_trap();
      }
  server.reset();
  for (auto& s : sockets)
    if (!s.closeDelivered) s.handler->onClose();  // orphaned sockets: no call back into the server
  return 0;
}
