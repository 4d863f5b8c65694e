// Data-plane benchmark (issue 4, item 8): a full sync's data plane (backup, transfer
// stand-in, convert, restore, verify) from sandbox cluster A into an older copy on
// cluster B, measured in the same run against two baselines on the same clusters:
//   dump:  pg_dump -Fc of A piped into pg_restore into an empty database on B;
//   floor: the bare staging-merge floor into an identical older copy on B: binary COPY
//          streamed from A straight into staging tables, ANALYZE, then the same merge
//          per table that restore runs, with restore's session settings, in one
//          transaction: no spool, no compression, no checksums, no verify.
// The sample app holds both kinds of keys: "AuditLog" has a random (uuid) primary key,
// the other tables sequential ones (customers also has a unique uuid column).
//
// Memory: the peak RSS of each tandem phase is measured in this process by resetting
// the kernel's high-water mark (/proc/self/clear_refs 5) before the phase and reading
// VmHWM after; the process peak (ru_maxrss) covers everything, loading included.
//
// A third tandem run uses the range diff (dataplane/range_digest.hpp): the range probe
// (range_probe.hpp) and the target's digest of the tables it judged worth one are taken
// first (their own phases, counted in the total) and the backup ships only the key ranges
// that differ.
//
// Usage: bench_dataplane [ROWS=1000000] [--explain] [--age recent]   (run through tools/bench-dataplane)
// --explain also prints EXPLAIN (ANALYZE, BUFFERS) of the biggest table's merge, run on
// a further older copy and rolled back.
// --age recent ages B with tools/sample-app/age-recent.sql (changes at the new end of the
// keys, as time makes them) instead of age.sql (every 10th row: the range diff's worst case).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "persistence/dataplane/backup.hpp"
#include "persistence/dataplane/range_probe.hpp"
#include "persistence/dataplane/restore.hpp"
#include "persistence/dataplane/restore_plan.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "tests/bench/bench_support.hpp"

using namespace tandem;
using namespace tandem::bench;
using tandem::test::PgSandbox;

namespace {

// ---- measuring -------------------------------------------------------------------

long maxrss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// One row of the report: what was measured and how long it took.
struct Step {
  std::string name;
  Timing timing;  // peak_kb -1: not measured (another process did the work)
};

// The peak RSS of this process since reset_peak_rss(0), from VmHWM.
long peak_since_reset_kb() { return proc_status_kb(0, "VmHWM:"); }

// Runs `fn` (returning Status) as one measured step in this process; throws on failure.
template <class Fn>
Step measure(const std::string& name, Fn&& fn) {
  reset_peak_rss(0);
  auto t0 = Clock::now();
  Status s = fn();
  Step step{name, Timing{seconds_since(t0), peak_since_reset_kb()}};
  if (!s.ok()) throw std::runtime_error(name + ": " + s.error().describe());
  return step;
}

template <class T>
T must(Result<T> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.error().describe());
  return std::move(*r);
}

// ---- baseline: the bare staging-merge floor ----------------------------------------

struct TableTimes {
  double load = 0, merge = 0;
};

// Streams each table from A into B's staging (binary COPY, no spool), then merges with
// the plan's SQL, all in one transaction on B. explain: EXPLAIN ANALYZE the biggest
// table's merge instead of timing it, print the plan, and roll back.
Step staging_merge_floor(const std::string& source, const std::string& target,
                           const Manifest& m, std::map<std::string, TableTimes>* per_table,
                           bool explain = false) {
  auto a = must(open_data_plane_connection(source, "bench floor source"), "floor");
  auto b = must(open_data_plane_connection(target, "bench floor target"), "floor");
  auto plan = must(plan_restore(b, m, {}, SyncMode::merge), "floor convert");
  auto check = [](Status s, const std::string& what) {
    if (!s.ok()) throw std::runtime_error("floor: " + what + ": " + s.error().describe());
  };
  std::size_t biggest = 0;
  for (std::size_t i = 0; i < plan.tables.size(); ++i)
    if (m.tables[plan.tables[i].manifest_table].raw_bytes >
        m.tables[plan.tables[biggest].manifest_table].raw_bytes)
      biggest = i;

  reset_peak_rss(0);
  auto t0 = Clock::now();
  check(a.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"), "begin");
  check(b.exec(std::string("BEGIN; SET LOCAL client_min_messages = warning; ") + kRestoreSettings +
               " CREATE SCHEMA IF NOT EXISTS " + b.quote_ident(kStagingSchema)),
        "begin");
  for (const auto& p : plan.tables) {
    auto t = Clock::now();
    std::string cols;
    for (const auto& c : p.columns) cols += (cols.empty() ? "" : ", ") + a.quote_ident(c);
    check(b.exec(p.create_staging), p.staging_table);
    check(b.copy_in_begin(p.copy_into_staging), p.target.qualified());
    auto copied = a.copy_out("COPY (SELECT " + cols + " FROM ONLY " +
                                 pg::qualified_name(a, p.target.schema, p.target.name) +
                                 ") TO STDOUT (FORMAT binary)",
                             [&](const char* data, std::size_t len) { return b.copy_in_put(data, len); });
    if (!copied.ok()) throw std::runtime_error("floor copy: " + copied.error().describe());
    check(b.copy_in_end(), p.target.qualified());
    check(b.exec(p.analyze_staging), p.target.qualified());
    if (per_table) (*per_table)[p.target.qualified()].load = seconds_since(t);
  }
  for (std::size_t i = 0; i < plan.tables.size(); ++i) {
    const auto& p = plan.tables[i];
    auto t = Clock::now();
    if (explain && i == biggest) {
      // The diff is created for real (the merge reads it) and explained on the side.
      for (const auto* sql : {&p.diff, &p.merge}) {
        if (sql->empty()) continue;
        auto rows = must(b.query("EXPLAIN (ANALYZE, BUFFERS) " + *sql), "explain");
        std::printf("\nEXPLAIN (ANALYZE, BUFFERS) of %s %s:\n", sql == &p.diff ? "the diff of" : "the merge into",
                    p.target.qualified().c_str());
        for (const auto& r : rows) std::printf("  %s\n", r.at(0).value_or("").c_str());
      }
    } else {
      if (!p.diff.empty()) check(b.exec(p.diff), "floor diff " + p.target.qualified());
      must(b.query(p.merge), "floor merge " + p.target.qualified());
    }
    if (!p.drop_diff.empty()) check(b.exec(p.drop_diff), "floor drop diff " + p.target.qualified());
    if (per_table) (*per_table)[p.target.qualified()].merge = seconds_since(t);
  }
  check(b.exec(explain ? "ROLLBACK" : "COMMIT"), "commit");
  check(a.exec("COMMIT"), "commit");
  Step step{"floor: COPY A->staging + merge", Timing{seconds_since(t0), peak_since_reset_kb()}};
  if (!explain) {  // not timed: proves the floor did the same work as tandem
    CancelToken cancel;
    check(run_verify(target, m, plan, nullptr, cancel), "verify of the floor's result");
    check(drop_staging(b, m.session_id), "drop staging");
  }
  return step;
}

// ---- tandem -------------------------------------------------------------------------

struct TandemRun {
  std::vector<Step> phases;  // backup, transfer, convert, restore, verify, cleanup
  Manifest manifest;
  RestoreStats stats;
  std::map<std::string, TableTimes> per_table;  // from restore's progress reports
};

// Time between consecutive restore progress reports, charged to the report's table:
// "load" while bytes advance (chunks into staging), "merge" after (one report per
// table). Approximate: a table's COPY end and ANALYZE land in the next table's share.
ProgressFn per_table_clock(std::map<std::string, TableTimes>& out, Clock::time_point& last,
                           std::uint64_t& last_bytes) {
  return [&out, &last, &last_bytes](const DataProgress& p) {
    auto now = Clock::now();
    double d = std::chrono::duration<double>(now - last).count();
    (p.bytes_done > last_bytes ? out[p.table].load : out[p.table].merge) += d;
    last = now;
    last_bytes = p.bytes_done;
  };
}

TandemRun run_tandem(const PgSandbox& a, const PgSandbox& b, const std::string& target_db,
                     bool compress, bool range_diff = false) {
  TandemRun run;
  ScratchDir dir;
  Spool source_spool = must(Spool::open(dir.file("source")), "spool");
  Spool target_spool = must(Spool::open(dir.file("target")), "spool");
  std::string target = b.conninfo(target_db);
  const std::string suffix = range_diff ? " (ranges)" : compress ? " (zstd)" : " (raw)";

  std::vector<TableDigest> digest;
  std::set<std::string> left_out;  // by the probe: the digest would not pay for them
  if (range_diff)
    run.phases.push_back(measure("probe" + suffix, [&]() -> Status {
      CancelToken cancel;
      auto probe = run_range_probe(target, {}, cancel);
      if (!probe.ok()) return probe.error();
      auto verdict = judge_range_probe(a.conninfo(), {}, *probe, cancel);
      if (!verdict.ok()) return verdict.error();
      std::printf("  range probe: %s\n", verdict->summary.c_str());
      left_out = tables_not_worth_digest(*probe, *verdict);
      return ok_status();
    }));
  if (range_diff)
    run.phases.push_back(measure("digest" + suffix, [&]() -> Status {
      CancelToken cancel;
      auto d = run_digest(target, {}, cancel, left_out);
      if (!d.ok()) return d.error();
      digest = std::move(*d);
      return ok_status();
    }));
  run.phases.push_back(measure("backup" + suffix, [&]() -> Status {
    BackupRequest req;
    req.target_digest = digest;
    req.conninfo = a.conninfo();
    req.session_id = range_diff ? "bench-ranges" : compress ? "bench-zstd" : "bench-raw";
    req.source_node = "a";
    req.compress = compress;
    CancelToken cancel;
    auto m = run_backup(req, source_spool, nullptr, cancel);
    if (!m.ok()) return m.error();
    run.manifest = *m;
    return ok_status();
  }));
  // Stand-in for the transfer phase (a network copy, not part of the data plane): the
  // target side's half of it, checking and durably storing each chunk in its own spool.
  run.phases.push_back(measure("transfer stand-in" + suffix, [&]() -> Status {
    for (const auto& c : run.manifest.chunks) {
      auto stored = source_spool.read_stored(c);
      if (!stored.ok()) return stored.error();
      if (auto s = target_spool.store_chunk(c, *stored); !s.ok()) return s;
    }
    return target_spool.write_manifest(run.manifest);
  }));
  auto conn = must(open_data_plane_connection(target, "bench convert"), "connect");
  RestorePlan plan;
  run.phases.push_back(measure("convert" + suffix, [&]() -> Status {
    auto p = plan_restore(conn, run.manifest, {}, SyncMode::merge);
    if (!p.ok()) return p.error();
    plan = *p;
    return ok_status();
  }));
  run.phases.push_back(measure("restore" + suffix, [&]() -> Status {
    Clock::time_point last = Clock::now();
    std::uint64_t last_bytes = 0;
    CancelToken cancel;
    auto stats = run_restore(RestoreRequest{target, "a", {}}, run.manifest, plan, target_spool,
                             per_table_clock(run.per_table, last, last_bytes), cancel);
    if (!stats.ok()) return stats.error();
    run.stats = *stats;
    return ok_status();
  }));
  run.phases.push_back(measure("verify" + suffix, [&] {
    CancelToken cancel;
    return run_verify(target, run.manifest, plan, nullptr, cancel);
  }));
  run.phases.push_back(measure("drop staging" + suffix,
                               [&] { return drop_staging(conn, run.manifest.session_id); }));
  return run;
}

// ---- setup and report -----------------------------------------------------------------

double sum_seconds(const std::vector<Step>& phases, bool with_transfer) {
  double s = 0;
  for (const auto& p : phases)
    if (with_transfer || p.name.rfind("transfer", 0) != 0) s += p.timing.seconds;
  return s;
}

void print_row(const Step& step, const Manifest& m) {
  const Timing& t = step.timing;
  double mb = static_cast<double>(m.total_raw_bytes()) / 1e6;
  double rows = static_cast<double>(m.total_rows());
  std::string peak = t.peak_kb < 0 ? "-" : std::to_string(t.peak_kb / 1024);
  std::printf("| %-38s | %8.2f | %8.1f | %10.0f | %8s |\n", step.name.c_str(), t.seconds,
              mb / t.seconds, rows / t.seconds, peak.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  long rows = 1000000;
  bool explain = false;
  bool age_recent = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--explain") == 0) explain = true;
    else if (std::strcmp(argv[i], "--age") == 0 && i + 1 < argc && std::strcmp(argv[i + 1], "recent") == 0)
      age_recent = true, ++i;
    else rows = std::atol(argv[i]);
  }
  if (rows < 1000) {
    std::fprintf(stderr, "usage: bench_dataplane [ROWS>=1000] [--explain] [--age recent]\n");
    return 2;
  }
  try {
    double scale = static_cast<double>(rows) / kRowsPerScale;
    PgSandbox a(PgSandbox::Options{true}), b(PgSandbox::Options{true});
    auto t0 = Clock::now();
    auto load = [&](const PgSandbox& s, bool aged) {
      if (auto st = s.load_sample_app(scale, aged, age_recent ? "age-recent.sql" : "age.sql"); !st.ok())
        throw std::runtime_error(st.error().describe());
      s.exec("VACUUM ANALYZE");  // an older copy in real life has long been vacuumed
    };
    std::thread load_b([&] { load(b, true); });
    load(a, false);
    load_b.join();
    clone_database(b, "floorcopy", "app");
    clone_database(b, "rawcopy", "app");
    clone_database(b, "rangecopy", "app");
    if (explain) clone_database(b, "explaincopy", "app");
    clone_database(b, "dumpcopy", "");
    a.exec("CHECKPOINT");
    b.exec("CHECKPOINT");
    std::printf("setup (load A, load+age B, clone copies): %.1f s\n", seconds_since(t0));
    std::printf("source: %s rows, table data %s MB, with indexes %s MB; PostgreSQL %s; nproc %u\n",
                a.scalar("SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM products)"
                         " + (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)"
                         " + (SELECT count(*) FROM \"AuditLog\")").c_str(),
                a.scalar("SELECT round(sum(pg_table_size(oid)) / 1e6, 1) FROM pg_class "
                         "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'").c_str(),
                a.scalar("SELECT round(sum(pg_total_relation_size(oid)) / 1e6, 1) FROM pg_class "
                         "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'").c_str(),
                a.scalar("SHOW server_version").c_str(), std::thread::hardware_concurrency());
    std::fflush(stdout);

    Step dump{"pg_dump -Fc | pg_restore (empty db)", dump_restore(a, "app", b, "dumpcopy")};
    TandemRun zstd = run_tandem(a, b, "app", true);
    std::map<std::string, TableTimes> floor_tables;
    Step floor = staging_merge_floor(a.conninfo(), b.conninfo("floorcopy"), zstd.manifest, &floor_tables);
    TandemRun raw = run_tandem(a, b, "rawcopy", false);
    TandemRun ranges = run_tandem(a, b, "rangecopy", true, true);
    if (explain) staging_merge_floor(a.conninfo(), b.conninfo("explaincopy"), zstd.manifest, nullptr, true);

    const Manifest& m = zstd.manifest;
    std::printf("\n%llu rows, %.1f MB of binary COPY data; spool %.1f MB with zstd -1 (%.2fx)\n",
                static_cast<unsigned long long>(m.total_rows()), m.total_raw_bytes() / 1e6,
                m.total_stored_bytes() / 1e6,
                static_cast<double>(m.total_raw_bytes()) / static_cast<double>(m.total_stored_bytes()));
    std::printf("aging: %s; restore: %llu inserted, %llu updated (zstd run)\n",
                age_recent ? "age-recent.sql" : "age.sql",
                static_cast<unsigned long long>(zstd.stats.rows_inserted),
                static_cast<unsigned long long>(zstd.stats.rows_updated));
    std::printf("range diff: %llu of %llu rows shipped (%.1f MB of COPY data, %.1f MB stored), "
                "%llu inserted, %llu updated\n\n",
                static_cast<unsigned long long>(ranges.manifest.total_rows()),
                static_cast<unsigned long long>(m.total_rows()), ranges.manifest.total_raw_bytes() / 1e6,
                ranges.manifest.total_stored_bytes() / 1e6,
                static_cast<unsigned long long>(ranges.stats.rows_inserted),
                static_cast<unsigned long long>(ranges.stats.rows_updated));
    std::printf("| %-38s | %8s | %8s | %10s | %8s |\n", "measurement", "wall s", "MB/s", "rows/s",
                "peak MB");
    std::printf("|%s|---------:|---------:|-----------:|---------:|\n", std::string(40, '-').c_str());
    print_row(dump, m);
    print_row(floor, m);
    auto label = [&](const TandemRun* run) {
      return std::string(run == &zstd ? "(zstd)" : run == &raw ? "(raw)" : "(ranges)");
    };
    for (const auto* run : {&zstd, &raw, &ranges}) {
      for (const auto& t : run->phases) print_row(t, m);
      print_row(Step{"tandem total " + label(run), Timing{sum_seconds(run->phases, true), -1}}, m);
      print_row(Step{"tandem total excl. transfer " + label(run), Timing{sum_seconds(run->phases, false), -1}}, m);
    }
    std::printf("\nratios (tandem total incl. transfer stand-in / baseline; excl. in brackets):\n");
    for (const auto* run : {&zstd, &raw, &ranges}) {
      double with = sum_seconds(run->phases, true), without = sum_seconds(run->phases, false);
      std::printf("  %-8s: tandem/pg_dump = %.2f (%.2f), tandem/floor = %.2f (%.2f)\n",
                  label(run).c_str(), with / dump.timing.seconds,
                  without / dump.timing.seconds, with / floor.timing.seconds, without / floor.timing.seconds);
    }
    std::printf("\nper table (seconds; tandem's split is approximate, see source):\n");
    std::printf("| %-20s | %-14s | %9s | %8s | %10s | %11s | %10s | %11s |\n", "table", "key",
                "rows", "raw MB", "floor load", "floor merge", "zstd load", "zstd merge");
    for (const auto& t : m.tables) {
      std::string name = t.schema + "." + t.name, key;
      for (const auto& k : t.primary_key)
        for (const auto& c : t.columns)
          if (c.name == k) key += (key.empty() ? "" : ",") + c.type;
      std::printf("| %-20s | %-14s | %9llu | %8.1f | %10.2f | %11.2f | %10.2f | %11.2f |\n",
                  name.c_str(), key.c_str(), static_cast<unsigned long long>(t.rows),
                  t.raw_bytes / 1e6, floor_tables[name].load, floor_tables[name].merge,
                  zstd.per_table[name].load, zstd.per_table[name].merge);
    }
    std::printf("\nmemory: this process's peak over the whole run (ru_maxrss, setup included) %ld MB;"
                " pg_dump|pg_restore: largest process %ld MB\n",
                maxrss_kb() / 1024, dump.timing.peak_kb / 1024);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dataplane: %s\n", e.what());
    return 1;
  }
  return 0;
}
