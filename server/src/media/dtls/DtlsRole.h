#pragma once

namespace parley::media::dtls {

// Which side of the DTLS handshake we play, from SDP a=setup (RFC 8842): "active" sends the
// ClientHello (Client), "passive" waits for it (Server).
enum class DtlsRole { Server, Client };

}  // namespace parley::media::dtls
