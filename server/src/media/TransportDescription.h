#pragma once

#include <string>

#include "media/dtls/DtlsTransport.h"

namespace parley::media {

// What one side says about an ICE/DTLS transport in its description.
struct TransportDescription {
  std::string iceUfrag;
  std::string icePassword;
  std::string fingerprintHash;                       // "sha-256"
  std::string fingerprint;                           // "AB:CD:…"
  dtls::DtlsRole dtlsRole = dtls::DtlsRole::Server;  // the role the SFU takes
};

}  // namespace parley::media
