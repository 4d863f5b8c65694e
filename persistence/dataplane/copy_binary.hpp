// The framing of PostgreSQL's binary COPY format (protocol docs, "Binary Format"):
// an 11-byte signature, a 32-bit flags field, a 32-bit header-extension length (and that
// many bytes), then tuples, then a 16-bit -1 trailer. Chunks store tuples only; these
// helpers strip the framing on the way out and add it back on the way in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace tandem {

// The header a restore sends before the first tuple (no flags, no extension).
const std::string& copy_binary_header();
// The trailer a restore sends after the last tuple.
const std::string& copy_binary_trailer();

// Splits a COPY TO STDOUT (FORMAT binary) stream, fed one data message at a time, into
// tuples: strips the header (whatever its extension length) and recognises the trailer.
class CopyBinaryReader {
 public:
  // Appends the tuple bytes contained in `msg` to `out` (no copy of its own, so a
  // million-row table costs no million allocations) and says whether it held a tuple
  // (false for a header-only or trailer message). PostgreSQL sends one tuple per
  // message; the header comes in front of the first one.
  Result<bool> feed(const char* msg, std::size_t len, std::string& out);
  bool saw_trailer() const { return trailer_; }

 private:
  std::string header_;       // bytes of the header seen so far
  bool header_done_ = false;
  bool trailer_ = false;
};

}  // namespace tandem
