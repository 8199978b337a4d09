#include "media/dtls/DtlsTransport.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace parley::media::dtls {

namespace {

// What browsers offer for DTLS-SRTP; our own certificate is ECDSA, the RSA suites only
// matter when we are the client of a peer with an RSA certificate.
constexpr char kCipherList[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA";
constexpr char kGroups[] = "X25519:P-256:P-384";
constexpr char kGcmProfileName[] = "SRTP_AEAD_AES_128_GCM";
constexpr char kCmProfileName[] = "SRTP_AES128_CM_SHA1_80";
constexpr char kDefaultSrtpProfiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2

constexpr size_t kRecordHeaderSize = 13;  // smaller datagrams cannot hold a DTLS record
constexpr size_t kMaxDatagramSize = 65535;
constexpr size_t kMaxKeyMaterial = 30;  // srtpKeyMaterialSize of the largest profile

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

// OpenSSL's error queue as one line for onDtlsFailed; also empties the queue, which is per
// thread and shared with any other OpenSSL user on this worker.
std::string takeOpensslError(std::string_view what) {
  std::string out(what);
  if (const unsigned long code = ERR_get_error(); code != 0) {
    const char* reason = ERR_reason_error_string(code);
    out += ": ";
    out += reason ? reason : "openssl error " + std::to_string(code);
  }
  ERR_clear_error();
  return out;
}

std::string trimmed(std::string s) {
  auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
  return s;
}

}  // namespace

struct DtlsTransport::Callbacks {
  // Each BIO write from OpenSSL is one DTLS datagram: hand it out as is.
  static int write(BIO* bio, const char* data, int size) {
    auto* self = static_cast<DtlsTransport*>(BIO_get_data(bio));
    if (!self || size < 0) return -1;
    if (size > 0) self->listener_.onDtlsSend(reinterpret_cast<const uint8_t*>(data), size);
    return size;
  }

  static long ctrl(BIO*, int cmd, long, void*) {
    switch (cmd) {
      case BIO_CTRL_FLUSH:
        return 1;  // nothing is buffered
      case BIO_CTRL_DGRAM_QUERY_MTU:
      case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
      case BIO_CTRL_DGRAM_GET_MTU:
        return static_cast<long>(kMtu);
      // kMtu already counts DTLS bytes only; nothing is ever pending in this BIO; writes
      // never fail for size.
      case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      case BIO_CTRL_WPENDING:
      case BIO_CTRL_PENDING:
      case BIO_CTRL_DGRAM_MTU_EXCEEDED:
        return 0;
      case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
        return 1;  // the caller polls timeout(); nothing to arm here
      default:
        return 0;
    }
  }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  // Chain and trust errors are irrelevant: a self-signed certificate is the norm and the peer
  // is authenticated by its SDP fingerprint. Reject early only a leaf that cannot match.
  static int verify(int, X509_STORE_CTX* store) {
    auto* ssl =
        static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = ssl ? static_cast<DtlsTransport*>(SSL_get_app_data(ssl)) : nullptr;
    if (!self) return 0;
    if (X509_STORE_CTX_get_error_depth(store) != 0 || self->remoteHex_.empty()) return 1;
    if (self->peerMatches(X509_STORE_CTX_get_current_cert(store))) return 1;
    self->fingerprintRejected_ = true;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);  // alerts bad_certificate
    return 0;
  }

  // OpenSSL's fixed 1 s first timeout is too slow for call setup; start lower and back off.
  static unsigned int nextTimeout(SSL*, unsigned int previousUs) {
    constexpr auto kInitialUs =
        static_cast<unsigned int>(std::chrono::microseconds(kInitialRetransmitTimeout).count());
    constexpr auto kMaxUs =
        static_cast<unsigned int>(std::chrono::microseconds(kMaxRetransmitTimeout).count());
    if (previousUs == 0) return kInitialUs;
    return previousUs >= kMaxUs / 2 ? kMaxUs : previousUs * 2;
  }

  static BIO_METHOD* datagramWriteMethod() {
    static BIO_METHOD* method = [] {
      const int index = BIO_get_new_index();
      BIO_METHOD* m =
          index < 0 ? nullptr : BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "parley dtls datagram");
      if (m && (BIO_meth_set_write(m, &Callbacks::write) != 1 ||
                BIO_meth_set_ctrl(m, &Callbacks::ctrl) != 1 ||
                BIO_meth_set_create(m, &Callbacks::create) != 1)) {
        BIO_meth_free(m);
        m = nullptr;
      }
      return m;  // lives for the process
    }();
    return method;
  }

  static std::shared_ptr<SSL_CTX> buildContext(const DtlsCertificate& certificate) {
    std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(DTLS_method()));
    if (!ctx) return nullptr;
    SSL_CTX* c = ctx.get();
    // NO_QUERY_MTU keeps our fixed MTU across SSL_clear and retransmissions; WebRTC never
    // resumes or renegotiates, so tickets, the session cache and renegotiation are off.
    SSL_CTX_set_options(c, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &Callbacks::verify);
    const bool ok =
        SSL_CTX_set_min_proto_version(c, DTLS1_2_VERSION) == 1 &&
        SSL_CTX_set_max_proto_version(c, DTLS1_2_VERSION) == 1 &&
        SSL_CTX_use_certificate(c, certificate.x509()) == 1 &&
        SSL_CTX_use_PrivateKey(c, certificate.key()) == 1 && SSL_CTX_check_private_key(c) == 1 &&
        SSL_CTX_set_cipher_list(c, kCipherList) == 1 && SSL_CTX_set1_groups_list(c, kGroups) == 1 &&
        // Unlike the rest of OpenSSL, this one returns 0 on success.
        SSL_CTX_set_tlsext_use_srtp(c, kDefaultSrtpProfiles) == 0;
    if (!ok) return nullptr;
    return std::shared_ptr<SSL_CTX>(ctx.release(), SslCtxFree());
  }

  // One SSL_CTX per certificate (in practice one per process), shared by transports on every
  // worker thread: SSL_new on a context that is no longer modified is thread-safe.
  static std::shared_ptr<SSL_CTX> contextFor(
      const std::shared_ptr<const DtlsCertificate>& certificate) {
    struct Entry {
      std::weak_ptr<const DtlsCertificate> certificate;
      std::shared_ptr<SSL_CTX> ctx;
    };
    static std::mutex mutex;
    // Never destroyed: freeing contexts after OpenSSL's own atexit cleanup would crash.
    static auto* cache = new std::vector<Entry>();
    std::lock_guard lock(mutex);
    std::erase_if(*cache, [](const Entry& e) { return e.certificate.expired(); });
    for (const Entry& e : *cache) {
      if (!e.certificate.owner_before(certificate) && !certificate.owner_before(e.certificate))
        return e.ctx;
    }
    auto ctx = buildContext(*certificate);
    if (ctx) cache->push_back({certificate, ctx});
    return ctx;
  }
};

DtlsTransport::DtlsTransport(std::shared_ptr<const DtlsCertificate> certificate, Listener& listener)
    : certificate_(std::move(certificate)), listener_(listener) {
  if (!certificate_) throw std::invalid_argument("DtlsTransport: no certificate");
  const auto ctx = Callbacks::contextFor(certificate_);
  BIO_METHOD* method = Callbacks::datagramWriteMethod();
  if (!ctx || !method) throw std::runtime_error(takeOpensslError("DTLS context setup failed"));
  ssl_ = SSL_new(ctx.get());  // takes its own reference to the context
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(method);
  if (!ssl_ || !rbio || !wbio) {
    SSL_free(ssl_);
    BIO_free(rbio);
    BIO_free(wbio);
    throw std::runtime_error(takeOpensslError("DTLS connection setup failed"));
  }
  // An empty read BIO means "wait for the next datagram", not end of stream.
  BIO_set_mem_eof_return(rbio, -1);
  BIO_set_data(wbio, this);
  SSL_set_bio(ssl_, rbio, wbio);
  rbio_ = rbio;
  SSL_set_app_data(ssl_, this);
  SSL_set_mtu(ssl_, static_cast<long>(kMtu));
  DTLS_set_timer_cb(ssl_, &Callbacks::nextTimeout);
  ERR_clear_error();
}

DtlsTransport::~DtlsTransport() {
  SSL_free(ssl_);  // also frees both BIOs; sends nothing
}

void DtlsTransport::setRemoteFingerprint(std::string hash, std::string hex) {
  remoteHash_ = trimmed(std::move(hash));
  remoteHex_ = trimmed(std::move(hex));
  for (char& c : remoteHex_) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

bool DtlsTransport::setSrtpProfiles(std::span<const srtp::SrtpProfile> preferred) {
  if (state_ != State::New || preferred.empty()) return false;
  std::string list;
  for (const srtp::SrtpProfile p : preferred) {
    if (!list.empty()) list += ':';
    list += p == srtp::SrtpProfile::AeadAes128Gcm ? kGcmProfileName : kCmProfileName;
  }
  const bool ok = SSL_set_tlsext_use_srtp(ssl_, list.c_str()) == 0;
  ERR_clear_error();
  return ok;
}

void DtlsTransport::start(DtlsRole role) {
  if (state_ != State::New) return;
  role_ = role;
  state_ = State::Connecting;
  if (role == DtlsRole::Server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
    continueHandshake();  // writes the ClientHello
  }
}

std::optional<DtlsRole> DtlsTransport::role() const {
  if (state_ == State::New) return std::nullopt;
  return role_;
}

void DtlsTransport::receive(const uint8_t* data, size_t size) {
  if (!ssl_ || (state_ != State::Connecting && state_ != State::Connected)) return;
  if (!data || size < kRecordHeaderSize || size > kMaxDatagramSize) return;
  // The memory BIO is a byte stream: keep exactly one datagram in it so that OpenSSL's
  // datagram reads never see two glued together or the tail of an earlier one.
  (void)BIO_reset(rbio_);
  if (BIO_write(rbio_, data, static_cast<int>(size)) != static_cast<int>(size)) {
    ERR_clear_error();
    return;
  }
  if (state_ == State::Connecting) {
    continueHandshake();
  } else if (holdBuffers()) {
    drainRecords();
  }
  (void)BIO_reset(rbio_);
  releaseBuffers();
}

bool DtlsTransport::holdBuffers() {
  // OpenSSL's DTLS record layer writes through its write buffer without setting it up again
  // after SSL_free_buffers: allocate both before anything that may read or send.
  if (SSL_alloc_buffers(ssl_) == 1) return true;
  ERR_clear_error();
  return false;
}

void DtlsTransport::releaseBuffers() {
  // A connected transport sees a DTLS datagram rarely (a retransmitted final flight, an
  // alert); its 16 KiB read and write buffers would otherwise stay for the life of the
  // call. OpenSSL refuses (and keeps them) while they hold unprocessed bytes.
  if (state_ == State::Connecting || state_ == State::New) return;
  if (SSL_free_buffers(ssl_) != 1) ERR_clear_error();
  // The read BIO keeps room for the largest datagram it held (1.6 KiB after a certificate
  // flight): an empty one takes its place.
  BUF_MEM* held = nullptr;
  if (BIO_get_mem_ptr(rbio_, &held) > 0 && held && held->max > 0) {
    if (BIO* fresh = BIO_new(BIO_s_mem())) {
      BIO_set_mem_eof_return(fresh, -1);
      SSL_set0_rbio(ssl_, fresh);  // frees the old one
      rbio_ = fresh;
    }
  }
  ERR_clear_error();
}

void DtlsTransport::continueHandshake() {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    completeHandshake();
    return;
  }
  const int error = SSL_get_error(ssl_, r);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    ERR_clear_error();
    return;
  }
  if (fingerprintRejected_) {
    ERR_clear_error();
    fail("fingerprint mismatch");
  } else if (error == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    fail("peer closed the connection during the handshake");
  } else {
    fail(takeOpensslError("DTLS handshake failed"));
  }
}

bool DtlsTransport::peerMatches(X509* cert) const {
  if (!cert || remoteHex_.empty()) return false;
  const auto actual = DtlsCertificate::fingerprintOf(cert, remoteHash_);
  return actual && *actual == remoteHex_;
}

void DtlsTransport::completeHandshake() {
  X509* peer = SSL_get0_peer_certificate(ssl_);
  if (!peer) return abandon("peer sent no certificate");
  if (remoteHex_.empty()) return abandon("remote fingerprint not set");
  if (!peerMatches(peer)) return abandon("fingerprint mismatch");

  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  srtp::SrtpProfile profile;
  if (selected && selected->id == SRTP_AEAD_AES_128_GCM) {
    profile = srtp::SrtpProfile::AeadAes128Gcm;
  } else if (selected && selected->id == SRTP_AES128_CM_SHA1_80) {
    profile = srtp::SrtpProfile::AesCm128HmacSha1_80;
  } else {
    return abandon("no SRTP profile negotiated");
  }

  // RFC 5764 §4.2: client_key | server_key | client_salt | server_salt.
  const size_t keySize = srtp::srtpMasterKeySize(profile);
  const size_t saltSize = srtp::srtpMasterSaltSize(profile);
  const size_t total = keySize + saltSize;
  std::array<uint8_t, 2 * kMaxKeyMaterial> exported{};
  if (SSL_export_keying_material(ssl_, exported.data(), 2 * total, kExporterLabel,
                                 sizeof kExporterLabel - 1, nullptr, 0, 0) != 1) {
    ERR_clear_error();
    return abandon("SRTP keying material export failed");
  }
  std::array<uint8_t, kMaxKeyMaterial> client{};
  std::array<uint8_t, kMaxKeyMaterial> server{};
  std::memcpy(client.data(), exported.data(), keySize);
  std::memcpy(server.data(), exported.data() + keySize, keySize);
  std::memcpy(client.data() + keySize, exported.data() + 2 * keySize, saltSize);
  std::memcpy(server.data() + keySize, exported.data() + 2 * keySize + saltSize, saltSize);
  OPENSSL_cleanse(exported.data(), exported.size());

  const bool isServer = role_ == DtlsRole::Server;
  const std::span<const uint8_t> local(isServer ? server.data() : client.data(), total);
  const std::span<const uint8_t> remote(isServer ? client.data() : server.data(), total);
  state_ = State::Connected;
  profile_ = profile;
  listener_.onDtlsConnected(profile, local, remote);
  OPENSSL_cleanse(client.data(), client.size());
  OPENSSL_cleanse(server.data(), server.size());
  // The datagram that finished the handshake may carry more records (even a close_notify).
  // receive() releases the buffers afterwards.
  if (state_ == State::Connected) drainRecords();
}

void DtlsTransport::drainRecords() {
  // Also lets OpenSSL answer a retransmitted final flight by resending its own.
  uint8_t sink[2048];
  while (state_ == State::Connected) {
    ERR_clear_error();
    const int r = SSL_read(ssl_, sink, sizeof sink);
    if (r > 0) continue;  // application data: data channels are not ours to handle
    const int error = SSL_get_error(ssl_, r);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      return;
    }
    if (error == SSL_ERROR_ZERO_RETURN) {
      ERR_clear_error();
      (void)SSL_shutdown(ssl_);  // answer with our own close_notify (RFC 5246 §7.2.1)
      ERR_clear_error();
      state_ = State::Closed;
      listener_.onDtlsClosed();
      return;
    }
    fail(takeOpensslError("DTLS connection failed"));
    return;
  }
}

std::optional<std::chrono::milliseconds> DtlsTransport::timeout() {
  if (!ssl_ || (state_ != State::Connecting && state_ != State::Connected)) return std::nullopt;
  timeval left{};
  if (DTLSv1_get_timeout(ssl_, &left) != 1) return std::nullopt;
  const int64_t us = static_cast<int64_t>(left.tv_sec) * 1000000 + left.tv_usec;
  return std::chrono::milliseconds((us + 999) / 1000);  // round up: waking early is useless
}

void DtlsTransport::handleTimeout() {
  if (!ssl_ || (state_ != State::Connecting && state_ != State::Connected)) return;
  if (state_ == State::Connected && !holdBuffers()) return;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(ssl_) < 0) {
    fail(takeOpensslError("DTLS retransmission failed"));
  } else {
    ERR_clear_error();
  }
  releaseBuffers();
}

void DtlsTransport::close() {
  if (!ssl_) {
    state_ = State::Closed;
    return;
  }
  if (state_ == State::Connected && holdBuffers()) {
    ERR_clear_error();
    (void)SSL_shutdown(ssl_);
    ERR_clear_error();
  }
  if (state_ != State::Failed) state_ = State::Closed;
  releaseBuffers();
}

void DtlsTransport::release() {
  if (!ssl_ || state_ != State::Connected) return;
  SSL_free(ssl_);  // also frees both BIOs; sends nothing
  ssl_ = nullptr;
  rbio_ = nullptr;
  ERR_clear_error();
}

bool DtlsTransport::looksLikeAlert(const uint8_t* data, size_t size) {
  // Record header (RFC 6347 §4.1): type, version, epoch, sequence number, length.
  if (!data || size < kRecordHeaderSize || data[0] != 21 || data[1] != 0xfe || data[2] != 0xfd)
    return false;
  const unsigned epoch = (unsigned{data[3]} << 8) | data[4];
  const size_t length = (size_t{data[11]} << 8) | data[12];
  return epoch != 0 && length > 0 && kRecordHeaderSize + length <= size;
}

void DtlsTransport::abandon(std::string_view reason) {
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);
  fail(reason);
}

void DtlsTransport::fail(std::string_view reason) {
  ERR_clear_error();
  state_ = State::Failed;
  listener_.onDtlsFailed(reason);
}

}  // namespace parley::media::dtls
