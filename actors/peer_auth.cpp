#include "actors/peer_auth.hpp"

#include <Poco/SHA2Engine.h>
#include <sys/random.h>

#include <stdexcept>

namespace tandem {
namespace {

constexpr std::size_t kBlock = 64;  // SHA-256 block size

std::string sha256(const std::string& data) {
  Poco::SHA2Engine e(Poco::SHA2Engine::SHA_256);
  e.update(data);
  const auto& d = e.digest();
  return std::string(d.begin(), d.end());
}

std::string to_hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  // RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), K hashed first when longer than a block.
  std::string k = key.size() > kBlock ? sha256(key) : key;
  k.resize(kBlock, '\0');
  std::string ipad(kBlock, '\0'), opad(kBlock, '\0');
  for (std::size_t i = 0; i < kBlock; ++i) {
    ipad[i] = static_cast<char>(k[i] ^ 0x36);
    opad[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  return to_hex(sha256(opad + sha256(ipad + message)));
}

std::string sha256_hex(const std::string& data) { return to_hex(sha256(data)); }

std::string random_hex(std::size_t bytes) {
  std::string buf(bytes, '\0');
  std::size_t got = 0;
  while (got < bytes) {
    ssize_t n = getrandom(buf.data() + got, bytes - got, 0);
    if (n < 0) throw std::runtime_error("getrandom failed");
    got += static_cast<std::size_t>(n);
  }
  return to_hex(buf);
}

std::string handshake_proof(const std::string& secret, ProofRole role,
                            const std::string& server_id, const std::string& client_id,
                            const std::string& client_nonce, const std::string& server_nonce) {
  std::string msg = std::string("tandem-v1|") + (role == ProofRole::client ? "client" : "server") +
                    "|" + server_id + "|" + client_id + "|" + client_nonce + "|" + server_nonce;
  return hmac_sha256_hex(secret, msg);
}


}  // namespace tandem
