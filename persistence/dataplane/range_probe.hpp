// Range probe: whether a table's range digest can pay, before anyone pays for it.
//
// The digest (range_digest.hpp) hashes every row on the target, and the source hashes its
// snapshot over the same ranges ahead of each COPY: on a copy whose changes fall in every
// key range (one row in ten edited, say) nothing is saved and both sides' hashing is lost
// (+1.1 s, +20 %, on the bench's 1M rows, session 4). So the target first hashes a few
// small key windows of each big table — about the size of a digest range, spread evenly
// over its keys, read through the primary-key index — and the source hashes the same
// windows of its own rows. Where too few windows hash alike, the digest is left out for
// that table and it ships whole; the others get the full digest as before.
//
// A probe travels as a TableDigest whose bounds come in pairs: window j is range 2j+1,
// [bounds[2j], bounds[2j+1]); the even ranges (the gaps between windows) are not hashed
// and not compared. Only tables whose first key column is an integer or a uuid are
// probed (their windows are cut from the key's span, with no pass over the table), and
// only from kProbeFromRows rows up: a smaller table's digest costs about what a probe
// does. Every other table is digested as before.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "persistence/dataplane/range_digest.hpp"

namespace tandem {

constexpr std::uint64_t kProbeFromRows = 50'000;
constexpr std::size_t kProbeWindows = 32;
// The digest pays for a table when at least this share of its probed windows hashed
// alike: those rows are then neither backed up, moved, staged nor merged, which costs
// several times what hashing them does (a quarter is the conservative end).
constexpr double kDigestPaysFromAlike = 0.25;

// The target's probe of every selected table it can probe (`from_rows`: kProbeFromRows;
// tests pass less). Tables not in the result are to be digested in full.
Result<std::vector<TableDigest>> run_range_probe(const std::string& conninfo,
                                                 const pg::TableSelection& selection,
                                                 CancelToken& cancel,
                                                 std::uint64_t from_rows = kProbeFromRows);

// The source's judgement of a probe, on its own rows (a short transaction of its own: the
// probe is an estimate, not part of the snapshot).
struct ProbeVerdict {
  std::vector<std::string> worth_digest;  // "schema.name" of the probed tables to digest
  std::string summary;                    // for the logs: each table's windows alike
};
Result<ProbeVerdict> judge_range_probe(const std::string& conninfo,
                                       const pg::TableSelection& selection,
                                       const std::vector<TableDigest>& probe,
                                       CancelToken& cancel);

// The verdict as it travels back to the target, and back. A verdict that does not parse,
// or the source's {"error": "…"} when it could not judge, is an error (the target then
// digests every table, as without a probe).
nlohmann::json verdict_to_json(const ProbeVerdict& v);
Result<ProbeVerdict> verdict_from_json(const nlohmann::json& j);

// The tables the target leaves out of its digest: probed, and not worth it.
std::set<std::string> tables_not_worth_digest(const std::vector<TableDigest>& probe,
                                              const ProbeVerdict& verdict);

}  // namespace tandem
