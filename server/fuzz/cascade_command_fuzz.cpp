// What another node sends to have media hosted here (media/CascadeHost, docs/cluster.md,
// "Sessions that span nodes"): the input is JSON, one command or an array of up to 16 run in
// order, all from one owner, onto two real media workers. The workers are not started: their
// queued work runs on this thread (Worker::io), so each input is deterministic. The same
// JSON also goes to DescriptionJson's readers directly.
//
// Besides the sanitizers, the harness checks that what DescriptionJson reads it writes back
// to something it reads to the same, and that after the input, once the owner is dropped
// (keepOwners({})), nothing is left: no mirror, no subscription, no publication, no router, no
// transport.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../test/media/MediaTestSupport.h"
#include "core/Json.h"
#include "media/CascadeHost.h"
#include "media/DescriptionJson.h"
#include "media/NodeLink.h"
#include "media/Worker.h"
#include "media/dtls/DtlsCertificate.h"
#include "obs/Logger.h"

namespace {

using namespace parley::media;
using parley::core::Json;

constexpr size_t kMaxCommands = 16;
const std::string kOwner = "fuzz-owner";

// The owner's end: what the host tells it is dropped.
class DiscardingLink final : public NodeLink {
 public:
  std::optional<RemoteWorker> pickWorker(const std::map<std::string, unsigned>&,
                                         const std::string&) override {
    return std::nullopt;
  }
  std::optional<RemoteWorker> findWorker(const std::string&, unsigned) override {
    return std::nullopt;
  }
  bool send(const std::string&, const Json& message) override {
    if (!message.isObject() || !message.getString("type")) __builtin_trap();
    ++sent;
    return true;
  }
  size_t sent = 0;
};

class Harness {
 public:
  Harness() {
    for (unsigned i = 0; i < 2; ++i)
      workers_.push_back(std::make_unique<Worker>(i, Worker::Settings{}, events_));
    host_.setLink(&link_);
  }

  void run(const Json& input) {
    checkDescriptions(input);
    if (input.isArray()) {
      for (size_t i = 0; i < input.size() && i < kMaxCommands; ++i) command(input.at(i));
    } else {
      command(input);
    }
    host_.keepOwners({});
    drain();
    if (host_.mirrorCount() != 0 || host_.subscriptionCount() != 0 || host_.publicationCount() != 0)
      __builtin_trap();
    for (auto& w : workers_)
      if (!w->routers().empty() || w->load() != 0) __builtin_trap();
  }

 private:
  void command(const Json& c) {
    checkDescriptions(c);
    (void)host_.handle(kOwner, c);
    // What the workers would report about the subscriber the command names.
    auto session = c.getString("session");
    auto subscriber = c.getString("subscriber");
    if (session && subscriber) {
      const std::string key = CascadeHost::routerKey(kOwner, *session);
      host_.subscriptionVideoSuspended(key, *subscriber, true);
      if (c.getBool("closeAfter").value_or(false))
        host_.subscriptionClosed(key, *subscriber, "fuzz");
    }
    // And about the publication it names.
    auto stream = c.getString("stream");
    if (session && stream) {
      const std::string key = CascadeHost::publisherRouterKey(kOwner, *session);
      host_.publicationConnected(key, *stream);
      if (c.getBool("closeAfter").value_or(false)) host_.publicationClosed(key, *stream, "fuzz");
    }
    drain();
  }

  // DescriptionJson's readers on the command and on the members the host reads them from.
  static void checkDescriptions(const Json& c) {
    checkTrack(c);
    checkTransport(c);
    if (const Json* tracks = c.find("tracks"); tracks && tracks->isArray())
      for (size_t i = 0; i < tracks->size() && i < kMaxCommands; ++i) checkTrack(tracks->at(i));
    if (const Json* remote = c.find("remote")) checkTransport(*remote);
  }

  static void checkTrack(const Json& j) {
    auto t = DescriptionJson::readTrack(j);
    if (!t) return;
    const Json written = DescriptionJson::track(*t);
    auto again = DescriptionJson::readTrack(written);
    if (!again || DescriptionJson::track(*again) != written) __builtin_trap();
    auto text = Json::parse(written.dump());
    if (!text || !DescriptionJson::readTrack(*text)) __builtin_trap();
  }

  static void checkTransport(const Json& j) {
    auto t = DescriptionJson::readTransport(j);
    if (!t) return;
    const Json written = DescriptionJson::transport(*t);
    auto again = DescriptionJson::readTransport(written);
    if (!again || DescriptionJson::transport(*again) != written) __builtin_trap();
  }

  // Runs what was posted to the workers, here.
  void drain() {
    for (auto& w : workers_) {
      w->io().restart();
      w->io().poll();
    }
  }

  testsupport::NoEvents events_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::shared_ptr<const dtls::DtlsCertificate> certificate_ = dtls::DtlsCertificate::generate();
  DiscardingLink link_;
  CascadeHost host_{workers_, certificate_};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = [] {
    parley::obs::Logger::setLevel(parley::obs::Logger::Level::Error);
    return new Harness();  // two workers (and sockets) for the whole run
  }();
  auto input = Json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!input) return 0;
  harness->run(*input);
  return 0;
}
