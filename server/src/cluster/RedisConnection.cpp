#include "cluster/RedisConnection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>
#include <csignal>

#include "cluster/RedisError.h"

namespace parley::cluster {

namespace {

struct Address {
  std::string host;  // empty with a Unix socket
  int port = 6379;
  std::string socketPath;
};

bool parseAddress(std::string_view url, Address& out, std::string* why) {
  auto bad = [&](const char* message) {
    if (why) *why = message;
    return false;
  };
  if (url.rfind("unix://", 0) == 0) {
    out.socketPath = std::string(url.substr(7));
    if (out.socketPath.empty() || out.socketPath.front() != '/')
      return bad("expected unix:///absolute/path");
    return true;
  }
  if (url.rfind("redis://", 0) != 0) return bad("expected redis://HOST:PORT or unix:///PATH");
  std::string_view rest = url.substr(8);
  if (const auto slash = rest.find('/'); slash != std::string_view::npos)
    rest = rest.substr(0, slash);
  if (rest.find('@') != std::string_view::npos)
    return bad("credentials in the URL are not supported");
  std::string_view host = rest;
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.front() != '[') {
    host = rest.substr(0, colon);
    const std::string_view port = rest.substr(colon + 1);
    int value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535)
      return bad("invalid port");
    out.port = value;
  }
  if (host.empty()) return bad("missing host");
  out.host = std::string(host);
  return true;
}

timeval toTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply copyReply(const redisReply* r) {
  RedisReply out;
  if (!r) return out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::Integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::String;
      out.string.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::Status;
      out.string.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::Array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(copyReply(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

struct ArgvView {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  explicit ArgvView(const std::vector<std::string>& args) {
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
  }
};

}  // namespace

RedisConnection::RedisConnection(std::string url, std::chrono::milliseconds timeout)
    : url_(std::move(url)), timeout_(timeout) {
  // hiredis writes with write(): a connection Redis closed would raise SIGPIPE and kill
  // the process. Ignored process-wide, once; every other socket user here handles EPIPE.
  static const bool sigpipeIgnored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipeIgnored;
  std::string why;
  Address address;
  if (!parseAddress(url_, address, &why)) throw RedisError("invalid Redis URL: " + why);
}

RedisConnection::~RedisConnection() {
  disconnect();
}

std::string RedisConnection::validateUrl(std::string_view url) {
  Address address;
  std::string why;
  return parseAddress(url, address, &why) ? std::string() : why;
}

void RedisConnection::disconnect() noexcept {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

void RedisConnection::fail(std::string_view what) {
  std::string message = "Redis " + std::string(what);
  if (context_ && context_->err) message += ": " + std::string(context_->errstr);
  disconnect();
  throw RedisError(message);
}

void RedisConnection::ensureConnected() {
  if (context_) return;
  Address address;
  parseAddress(url_, address, nullptr);
  const timeval tv = toTimeval(timeout_);
  context_ = address.socketPath.empty()
                 ? redisConnectWithTimeout(address.host.c_str(), address.port, tv)
                 : redisConnectUnixWithTimeout(address.socketPath.c_str(), tv);
  if (!context_) throw RedisError("Redis: out of memory");
  if (context_->err) fail("connect to " + url_);
  if (redisSetTimeout(context_, tv) != REDIS_OK) fail("set timeout");
}

RedisReply RedisConnection::command(const std::vector<std::string>& args) {
  auto replies = pipeline({args});
  return std::move(replies.front());
}

std::vector<RedisReply> RedisConnection::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  ensureConnected();
  for (const auto& args : commands) send(args);
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  std::string firstError;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK) fail("command " + commands[i].front());
    auto* r = static_cast<redisReply*>(raw);
    if (r->type == REDIS_REPLY_ERROR && firstError.empty())
      firstError = commands[i].front() + ": " + std::string(r->str, r->len);
    replies.push_back(copyReply(r));
    freeReplyObject(r);
  }
  if (!firstError.empty()) throw RedisError("Redis " + firstError);
  return replies;
}

void RedisConnection::send(const std::vector<std::string>& args) {
  ensureConnected();
  ArgvView view(args);
  if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), view.argv.data(),
                             view.lengths.data()) != REDIS_OK)
    fail("send " + args.front());
  // Flush now: a subscriber sends and then only polls for reading.
  int done = 0;
  while (!done) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) fail("write");
  }
}

int RedisConnection::fd() const {
  return context_ ? context_->fd : -1;
}

bool RedisConnection::readAvailable() {
  if (!context_) return false;
  if (redisBufferRead(context_) != REDIS_OK) {
    disconnect();
    return false;
  }
  return true;
}

bool RedisConnection::nextReply(RedisReply& reply) {
  if (!context_) return false;
  void* raw = nullptr;
  if (redisGetReplyFromReader(context_, &raw) != REDIS_OK) {
    disconnect();
    return false;
  }
  if (!raw) return false;
  reply = copyReply(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return true;
}

}  // namespace parley::cluster
