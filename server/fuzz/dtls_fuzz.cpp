// A server-role DtlsTransport fed arbitrary datagrams, as a browser (or anyone who can reach
// the port) would. Input: one flags byte (bit 0: expect a remote fingerprint that cannot
// match, so the rejection path runs; otherwise any client certificate is accepted and parsing
// goes on past it), then datagrams as [2-byte big-endian length][bytes]; a last datagram
// shorter than its length takes what is left. Nothing may crash or leak, every datagram sent
// must fit the MTU, and Connected must come with key material of the right size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "media/dtls/DtlsTransport.h"

namespace {

using parley::media::dtls::DtlsCertificate;
using parley::media::dtls::DtlsRole;
using parley::media::dtls::DtlsTransport;
using parley::media::srtp::SrtpProfile;

struct Sink : DtlsTransport::Listener {
  void onDtlsSend(const uint8_t* data, size_t size) override {
    if (!data || size == 0 || size > DtlsTransport::kMtu) std::abort();
  }
  void onDtlsConnected(SrtpProfile profile, std::span<const uint8_t> local,
                       std::span<const uint8_t> remote) override {
    const size_t expected = parley::media::srtp::srtpKeyMaterialSize(profile);
    if (local.size() != expected || remote.size() != expected) std::abort();
  }
  void onDtlsFailed(std::string_view reason) override {
    if (reason.empty()) std::abort();
  }
  void onDtlsClosed() override {}
};

const std::shared_ptr<const DtlsCertificate>& certificate() {
  // Leaked on purpose: freeing it after OpenSSL's atexit cleanup is not safe.
  static auto* cert = new std::shared_ptr<const DtlsCertificate>(DtlsCertificate::generate());
  return *cert;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Sink sink;
  DtlsTransport transport(certificate(), sink);
  if (data[0] & 1) transport.setRemoteFingerprint("sha-256", certificate()->fingerprintSha256());
  transport.start(DtlsRole::Server);
  size_t at = 1;
  while (at + 2 <= size) {
    size_t length = (static_cast<size_t>(data[at]) << 8) | data[at + 1];
    at += 2;
    if (length > size - at) length = size - at;
    transport.receive(data + at, length);
    at += length;
    (void)transport.timeout();
    transport.handleTimeout();
    const auto state = transport.state();
    if (state == DtlsTransport::State::Connected && !transport.profile()) std::abort();
    if (state == DtlsTransport::State::Connecting && transport.profile()) std::abort();
  }
  transport.close();
  transport.receive(data, size);  // ignored after close
  return 0;
}
