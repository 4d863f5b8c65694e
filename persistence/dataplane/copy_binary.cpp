#include "persistence/dataplane/copy_binary.hpp"

#include <cstring>

namespace tandem {
namespace {

constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes incl. the embedded NUL
constexpr std::size_t kSignatureLen = 11;
constexpr std::size_t kFixedHeaderLen = kSignatureLen + 4 + 4;

std::uint32_t read_u32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t(u[0]) << 24) | (std::uint32_t(u[1]) << 16) | (std::uint32_t(u[2]) << 8) |
         std::uint32_t(u[3]);
}

}  // namespace

const std::string& copy_binary_header() {
  static const std::string h = [] {
    std::string s(kSignature, kSignatureLen);
    s.append(8, '\0');  // flags = 0, extension length = 0
    return s;
  }();
  return h;
}

const std::string& copy_binary_trailer() {
  static const std::string t("\xff\xff", 2);
  return t;
}

Result<bool> CopyBinaryReader::feed(const char* msg, std::size_t len, std::string& out) {
  std::size_t pos = 0;
  if (!header_done_) {
    // Collect the fixed part, then the extension it announces.
    while (pos < len && header_.size() < kFixedHeaderLen) header_ += msg[pos++];
    if (header_.size() < kFixedHeaderLen) return false;
    if (std::memcmp(header_.data(), kSignature, kSignatureLen) != 0)
      return make_error("copy_format", "COPY stream does not start with the binary signature");
    std::size_t ext = read_u32(header_.data() + kSignatureLen + 4);
    while (pos < len && header_.size() < kFixedHeaderLen + ext) header_ += msg[pos++];
    if (header_.size() < kFixedHeaderLen + ext) return false;
    header_done_ = true;
  }
  if (trailer_ && pos < len) return make_error("copy_format", "data after the COPY trailer");
  if (len - pos == 2 && static_cast<unsigned char>(msg[pos]) == 0xff &&
      static_cast<unsigned char>(msg[pos + 1]) == 0xff) {
    trailer_ = true;
    return false;
  }
  if (pos == len) return false;
  out.append(msg + pos, len - pos);
  return true;
}

}  // namespace tandem
