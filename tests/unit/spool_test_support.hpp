// Helpers shared by the spool tests: a scratch directory, chunk-like payloads, and a
// manifest whose every field differs from its default and whose layout is consistent.
// (TempDir mirrors the journal tests' one; both could move to tests/support.)
#pragma once

#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "persistence/spool/manifest.hpp"

namespace tandem::testing {

// A temp dir for one test (tests/support/temp_dir.hpp).
class SpoolTempDir : public test::TempDir {
 public:
  SpoolTempDir() : test::TempDir("tandem-spool") {}
};

// Incompressible bytes (zstd cannot shrink them), reproducible from the seed.
inline std::string random_bytes(std::size_t n, unsigned seed = 42) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// Row-like bytes that compress well, the way real COPY data does.
inline std::string row_like_bytes(std::size_t n) {
  std::string out;
  out.reserve(n);
  for (std::uint64_t row = 0; out.size() < n; ++row)
    out += "\x00\x03row " + std::to_string(row) + "|customer-" + std::to_string(row % 97) +
           "|2024-01-01 12:00:00+00|";
  out.resize(n);
  return out;
}

inline std::string read_whole(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

inline void write_whole(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

// Two tables: "customers" with two chunks (0, 1), "orders" with one (2); 64-bit values
// and non-ASCII names so a codec that narrows a number or mangles UTF-8 fails.
inline Manifest sample_manifest() {
  Manifest m;
  m.session_id = "sess-ünïcode-€";
  m.source_node = "nodé-a";
  m.created_at = 1'700'000'000'123;
  m.snapshot_id = "00000003-0000001B-1";
  m.change_log_position = (std::int64_t{1} << 62) + 7;
  m.row_hash = "typed";

  ManifestTable customers;
  customers.schema = "public";
  customers.name = "clients_日本";
  customers.partitioned = true;
  customers.columns = {{"id", "bigint"}, {"naïve name", "character varying(40)"}};
  customers.primary_key = {"id"};
  customers.sequences = {{"public", "customers_id_seq", "id",
                          std::numeric_limits<std::int64_t>::min() + 1, true}};
  customers.exclude_predicate = "name LIKE 'demo-%'";
  customers.checksum = "md5:0123456789abcdef";
  customers.first_chunk = 0;
  customers.chunk_count = 2;

  ManifestTable orders;
  orders.schema = "shop";
  orders.name = "orders";
  orders.columns = {{"order_id", "uuid"}};
  orders.primary_key = {"order_id"};
  orders.checksum = "md5:fedcba9876543210";
  orders.first_chunk = 2;
  orders.chunk_count = 1;

  auto chunk = [](std::uint64_t index, std::uint32_t table, std::uint64_t rows,
                  std::uint64_t raw, std::uint64_t stored, ChunkCodec codec) {
    ChunkInfo c;
    c.index = index;
    c.table = table;
    c.rows = rows;
    c.raw_bytes = raw;
    c.stored_bytes = stored;
    c.checksum = "crc32:0a1b2c3d";
    c.codec = codec;
    return c;
  };
  const std::uint64_t many = (std::uint64_t{1} << 40) + 3;  // rows beyond 32 bits
  m.chunks = {chunk(0, 0, many, 4'194'304, 1'000'000, ChunkCodec::zstd),
              chunk(1, 0, 17, 123, 123, ChunkCodec::none),
              chunk(2, 1, 5, 999, 400, ChunkCodec::zstd)};
  customers.rows = many + 17;
  customers.raw_bytes = 4'194'304 + 123;
  orders.rows = 5;
  orders.raw_bytes = 999;
  m.tables = {customers, orders};
  return m;
}

}  // namespace tandem::testing
