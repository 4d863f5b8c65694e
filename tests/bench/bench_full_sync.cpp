// Full-sync benchmark (issue 9, items 1 and 4): per size, two durable sandbox clusters
// (fsync on) with the sample app on a and an older copy of it on b, and in one run:
//   a. `pg_dump -Fc | pg_restore` from a into an empty database on b (the usual tool);
//   b. the old way: one `INSERT … ON CONFLICT (pk) DO UPDATE SET <every other column>`
//      per row, into a clone of b's older copy — what a dump-to-UPSERT-text converter
//      produces. The script is generated on a by SQL (quote_nullable of every column;
//      cheaper than a converter parsing a dump, so it flatters b) and run by
//      `psql -1 -f`: one statement per row, all in one transaction;
//   c. tandem: two real tandemd daemons (defaults, except the sample app's demo rows
//      excluded), a pull full sync on b from a with compression and verify on, timed
//      from the POST to the poll that sees "succeeded". Each daemon's peak RSS is its
//      VmHWM, reset just before the POST. a's and b's data must then be equal.
// Then the seed's floors (PASS/FAIL, exit 1 on a FAIL) and the targets at the
// largest size. Unless --no-doc, the results replace the generated block of the
// "## Full sync (two daemons)" section of docs/performance.md.
//
// Usage: bench_full_sync [--no-doc] [ROWS...]   (default 10000 100000 1000000; run
// through tools/bench-full-sync, which builds tandemd beside it)
#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/bench/bench_support.hpp"
#include "tests/support/tandem_node.hpp"

using namespace tandem::bench;
using tandem::test::PgSandbox;
using tandem::test::TwoNodes;

namespace {

// The sample app's tables, parents before children (the per-row script must keep FKs).
const char* const kTables[] = {"customers", "products", "orders", "order_items", "\"AuditLog\""};
const char* const kPhases[] = {"backup", "transfer", "convert", "restore", "verify"};

struct SizeResult {
  long rows = 0;          // requested
  long source_rows = 0;   // rows in a's tables (demo customers included)
  double data_mb = 0;     // a's table data (pg_table_size: heap + TOAST), the MB/s base
  Timing dump, upsert_script, upsert_apply;
  Timing sync;            // peak_kb unused: see hwm_*
  long hwm_a_kb = -1, hwm_b_kb = -1;
  std::vector<double> phase_s;  // kPhases' durations from the session detail
  double before_backup_s = 0;   // session created -> backup started (queue, peer handshake)
  std::string load;             // load average just before c
  double upsert_s() const { return upsert_script.seconds + upsert_apply.seconds; }
};

std::string quoted(const std::string& ident) {
  std::string out = "\"";
  for (char c : ident) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string sql_literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// SQL that prints b's per-row UPSERT script, one statement per source row of `table`.
std::string upsert_script_query(const PgSandbox& a, const std::string& table) {
  auto cols = a.query("SELECT att.attname, coalesce(att.attnum = ANY (ix.indkey), false) "
                      "FROM pg_attribute att LEFT JOIN pg_index ix "
                      "  ON ix.indrelid = att.attrelid AND ix.indisprimary "
                      "WHERE att.attrelid = " + sql_literal(table) + "::regclass AND att.attnum > 0 "
                      "  AND NOT att.attisdropped AND att.attgenerated = '' ORDER BY att.attnum");
  if (!cols.ok()) throw std::runtime_error("columns of " + table + ": " + cols.error().describe());
  std::string names, values, key, set;
  for (const auto& c : *cols) {
    const std::string q = quoted(c[0]);
    names += (names.empty() ? "" : ", ") + q;
    values += (values.empty() ? "" : ", ") + ("quote_nullable(x." + q + ")");
    if (c[1] == "t") key += (key.empty() ? "" : ", ") + q;
    else set += (set.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
  }
  return "SELECT " + sql_literal("INSERT INTO " + table + " (" + names + ") VALUES (") +
         " || concat_ws(', ', " + values + ") || " +
         sql_literal(") ON CONFLICT (" + key + ") DO UPDATE SET " + set + ";") + " FROM " + table + " x;\n";
}

// b: writes the script on a (timed: the converter's share), runs it on `db` of b.
void measure_upsert(const PgSandbox& a, const PgSandbox& b, const std::string& db, SizeResult& r) {
  ScratchDir dir("tandem-bench-upsert");
  {
    std::ofstream gen(dir.file("generate.sql"));
    for (const char* t : kTables) gen << upsert_script_query(a, t);
  }
  const std::string psql = std::string(kPgBin) + "/psql -X -q -v ON_ERROR_STOP=1 ";
  r.upsert_script = run_shell(psql + "-At " + client_args(a) + " -d app -f " + dir.file("generate.sql") +
                              " -o " + dir.file("upsert.sql"));
  r.upsert_apply = run_shell(psql + "-1 " + client_args(b) + " -d " + db + " -f " + dir.file("upsert.sql") +
                             " >/dev/null");
}

std::string row_counts(const PgSandbox& s, const std::string& db) {
  std::string sql = "SELECT ''";
  for (const char* t : kTables) sql += std::string(" || (SELECT count(*) FROM ") + t + ") || ' '";
  auto r = s.query(sql, db);
  if (!r.ok() || r->empty()) throw std::runtime_error("count rows in " + db);
  return (*r)[0][0];
}

// c: one pull on b from a; fills sync, hwm_*, phase_s, before_backup_s.
void measure_tandem(TwoNodes& n, SizeResult& r) {
  for (auto* node : {n.a.get(), n.b.get()}) reset_peak_rss(node->pid());
  r.load = load_average();
  auto t0 = Clock::now();
  auto started = n.b->start_full_sync("pull", "a", {{"compressionEnabled", true}, {"verifyAfterSync", true}});
  const std::string id = tandem::test::session_id_of(started);
  if (id.empty()) throw std::runtime_error("full sync refused: " + std::to_string(started.status) + " " + started.body);
  auto last = n.b->wait_finished(id, std::chrono::hours(2));
  r.sync.seconds = seconds_since(t0);
  r.hwm_a_kb = proc_status_kb(n.a->pid(), "VmHWM:");
  r.hwm_b_kb = proc_status_kb(n.b->pid(), "VmHWM:");
  auto detail = n.b->session_detail(id);
  if (last.value("state", "") != "succeeded")
    throw std::runtime_error("full sync " + id + " ended " + last.dump() + "\n" + detail.dump(2));
  if (TwoNodes::fingerprint(n.db_a) != TwoNodes::fingerprint(n.db_b))
    throw std::runtime_error("after the full sync b's data differs from a's:\n" +
                             TwoNodes::fingerprint(n.db_a) + "--\n" + TwoNodes::fingerprint(n.db_b));
  const std::int64_t session_start = iso_utc_to_ms(detail.value("startedAt", ""));
  for (const char* want : kPhases) {
    double s = 0;
    for (const auto& p : detail["phases"])
      if (p.value("phase", "") == want) {
        std::int64_t begin = iso_utc_to_ms(p.value("startedAt", "")), end = iso_utc_to_ms(p.value("finishedAt", ""));
        s = begin && end ? (end - begin) / 1000.0 : -1;
        if (std::string(want) == "backup" && begin && session_start) r.before_backup_s = (begin - session_start) / 1000.0;
      }
    r.phase_s.push_back(s);
  }
  std::printf("  session %s log:\n", id.c_str());
  for (const auto& l : detail["log"])
    std::printf("    %s %s\n", l.value("at", "").c_str(), l.value("message", "").c_str());
}

// Sets up one size, measures a, b and c on it; fills `machine` while a cluster is up.
SizeResult measure_size(long rows, std::string& machine) {
  SizeResult r;
  r.rows = rows;
  auto t0 = Clock::now();
  TwoNodes n(static_cast<double>(rows) / kRowsPerScale, false, PgSandbox::Options{true});
  for (const auto* db : {&n.db_a, &n.db_b}) db->exec("VACUUM ANALYZE");  // a real older copy is vacuumed
  clone_database(n.db_b, "upsertcopy", "app");
  clone_database(n.db_b, "dumpcopy");
  if (machine.empty()) machine = machine_description(n.db_a);
  const std::string source_counts = row_counts(n.db_a, "app");
  std::istringstream counts(source_counts);
  for (long c = 0; counts >> c;) r.source_rows += c;
  r.data_mb = std::atof(n.db_a.scalar("SELECT sum(pg_table_size(oid)) / 1e6 FROM pg_class "
                                      "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'").c_str());
  std::printf("\n%ld rows requested: %ld source rows, %.1f MB of table data; setup %.1f s\n", rows,
              r.source_rows, r.data_mb, seconds_since(t0));
  std::fflush(stdout);

  n.db_b.exec("CHECKPOINT");
  r.dump = dump_restore(n.db_a, "app", n.db_b, "dumpcopy");
  n.db_b.exec("CHECKPOINT");
  measure_upsert(n.db_a, n.db_b, "upsertcopy", r);
  for (const char* db : {"dumpcopy", "upsertcopy"})  // not timed: the baselines did the whole job
    if (row_counts(n.db_b, db) != source_counts)
      throw std::runtime_error(std::string(db) + " holds " + row_counts(n.db_b, db) + "rows, a " + source_counts);
  // Counts prove the inserts; age.sql's 'old.' e-mails prove b's updates happened too.
  if (auto aged = n.db_b.query("SELECT count(*) FROM customers WHERE email LIKE 'old.%'", "upsertcopy");
      !aged.ok() || aged->at(0).at(0) != "0")
    throw std::runtime_error("the per-row UPSERT left older values in upsertcopy");
  std::printf("  a. dump|restore %.2f s; b. upsert script %.2f s + apply %.2f s\n", r.dump.seconds,
              r.upsert_script.seconds, r.upsert_apply.seconds);
  std::fflush(stdout);

  for (auto* node : {n.a.get(), n.b.get()}) {  // the defaults an admin gets
    node->config()["full_sync"].erase("chunk_bytes");
    node->config()["full_sync"].erase("stall_after_s");
    node->start();
  }
  // The baselines' databases go before c: autovacuum working through their fresh
  // 1M-row tables would otherwise compete with the sync at random moments.
  for (const char* db : {"dumpcopy", "upsertcopy"}) n.db_b.exec(std::string("DROP DATABASE ") + db);
  n.db_b.exec("CHECKPOINT");
  measure_tandem(n, r);
  std::printf("  c. tandem pull %.2f s, peak RSS a %.1f MB, b %.1f MB\n", r.sync.seconds,
              r.hwm_a_kb / 1024.0, r.hwm_b_kb / 1024.0);
  std::fflush(stdout);
  return r;
}

// ---- report ----------------------------------------------------------------------

std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string fmt(const char* format, ...) {
  char buf[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  return buf;
}

std::string thousands(double v) {
  std::string digits = std::to_string(static_cast<long long>(v + 0.5)), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string figures_row(const std::string& rows, const std::string& what, double seconds, const SizeResult& r,
                        const std::string& peak) {
  return fmt("| %s | %s | %.2f | %.1f | %s | %s |\n", rows.c_str(), what.c_str(), seconds, r.data_mb / seconds,
             thousands(r.source_rows / seconds).c_str(), peak.c_str());
}

// The seed's time floor for a run of `rows` (issue 9 item 4), 0 above 100K rows.
double time_floor_s(long rows) {
  return rows <= 1000 ? 60 : rows <= 10000 ? 300 : rows <= 100000 ? 1800 : 0;
}

const char* verdict(bool pass, bool* all) {
  if (!pass) *all = false;
  return pass ? "PASS" : "**FAIL**";
}
const char* met(bool ok) { return ok ? "met" : "**missed**"; }

std::string report(const std::vector<SizeResult>& results, const std::string& machine, bool* floors_ok) {
  std::string out = "### " + utc_now() + ": " + machine + "; tandem " + source_revision() + "\n\n";
  out += "MB/s and rows/s are a's table data (heap + TOAST, `pg_table_size`) and row count over wall time.\n\n";
  out += "| rows | measurement | wall s | MB/s | rows/s | peak RSS |\n|---:|---|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    out += figures_row(thousands(r.rows), "a. `pg_dump -Fc \\| pg_restore`, empty db", r.dump.seconds, r,
                       fmt("%.0f MB (largest tool)", r.dump.peak_kb / 1024.0));
    out += figures_row("", fmt("b. per-row UPSERT, `psql -1` (script %.2f + apply %.2f s)", r.upsert_script.seconds,
                               r.upsert_apply.seconds),
                       r.upsert_s(), r, fmt("%.0f MB (psql)", std::max(r.upsert_script.peak_kb, r.upsert_apply.peak_kb) / 1024.0));
    out += figures_row("", "**c. tandem pull**, verify on (" + r.load + ")", r.sync.seconds, r,
                       fmt("a %.0f / b %.0f MB", r.hwm_a_kb / 1024.0, r.hwm_b_kb / 1024.0));
  }
  out += "\nRatios, and where c's time goes (phase times from the session detail on b; \"rest\" is the gaps "
         "between phases, the end of the session and the 50 ms polling):\n\n";
  out += "| rows | c/a | c/b | c/b apply only | before backup | backup | transfer | convert | restore | verify | rest |\n";
  out += "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : results) {
    double rest = r.sync.seconds - r.before_backup_s;
    std::string phases;
    for (double s : r.phase_s) {
      phases += fmt(" %.2f |", s);
      rest -= s > 0 ? s : 0;
    }
    out += fmt("| %s | %.2f | %.3f | %.3f | %.2f |%s %.2f |\n", thousands(r.rows).c_str(), r.sync.seconds / r.dump.seconds,
               r.sync.seconds / r.upsert_s(), r.sync.seconds / r.upsert_apply.seconds, r.before_backup_s,
               phases.c_str(), rest);
  }
  out += "\nFloors (seed; on c; a FAIL makes the benchmark exit 1):\n\n";
  for (const auto& r : results) {
    const std::string rows = thousands(r.rows) + " rows";
    if (double f = time_floor_s(r.rows); f > 0)
      out += fmt("- %s < %.0f min: %.2f s %s\n", rows.c_str(), f / 60, r.sync.seconds, verdict(r.sync.seconds < f, floors_ok));
    // Throughput only from 100K rows: below, a sync's fixed costs (session set-up,
    // journal commits, polling) dominate and MB/s measures latency, not the data path.
    if (r.rows >= 100000)
      out += fmt("- %s > 10 MB/s: %.1f MB/s %s\n", rows.c_str(), r.data_mb / r.sync.seconds,
                 verdict(r.data_mb / r.sync.seconds > 10, floors_ok));
    long peak = std::max(r.hwm_a_kb, r.hwm_b_kb);
    out += fmt("- %s < 500 MB per daemon: a %.0f, b %.0f MB %s\n", rows.c_str(), r.hwm_a_kb / 1024.0,
               r.hwm_b_kb / 1024.0, verdict(peak > 0 && peak < 500 * 1024, floors_ok));
  }
  const SizeResult& top = results.back();
  double ca = top.sync.seconds / top.dump.seconds, cb = top.sync.seconds / top.upsert_s();
  out += fmt("\nTargets at %s rows (issue 9; set for 1M rows; reported, not enforced):\n\n", thousands(top.rows).c_str());
  out += fmt("- c/a = %.2f <= 1.0: %s (stretch 0.7: %s)\n", ca, met(ca <= 1.0), met(ca <= 0.7));
  out += fmt("- c/b = %.3f <= 0.15: %s\n", cb, met(cb <= 0.15));
  out += fmt("- peak RSS <= 100 MB per daemon: a %.0f, b %.0f MB: %s\n", top.hwm_a_kb / 1024.0, top.hwm_b_kb / 1024.0,
             met(top.hwm_a_kb <= 100 * 1024 && top.hwm_b_kb <= 100 * 1024));
  for (const auto& r : results)  // "flat": within 25 % of the 100K run's peak
    if (r.rows == 100000 && top.rows > r.rows)
      out += fmt("- flat from 100K to %s rows (peak within +25 %%): a %.0f -> %.0f MB, b %.0f -> %.0f MB: %s\n",
                 thousands(top.rows).c_str(), r.hwm_a_kb / 1024.0, top.hwm_a_kb / 1024.0, r.hwm_b_kb / 1024.0,
                 top.hwm_b_kb / 1024.0,
                 met(top.hwm_a_kb <= r.hwm_a_kb * 1.25 && top.hwm_b_kb <= r.hwm_b_kb * 1.25));
  return out;
}

// Replaces the generated block of docs/performance.md's "Full sync (two daemons)"
// section (between the markers), or appends section and block when absent. The rest of
// the file, which others edit, is kept as read; written via a temporary file + rename.
void write_doc(const std::string& block) {
  const std::string path = PgSandbox::source_dir() + "/docs/performance.md";
  const std::string begin = "<!-- bench-full-sync: begin (generated by tools/bench-full-sync) -->\n";
  const std::string end = "<!-- bench-full-sync: end -->\n";
  std::stringstream in;
  in << std::ifstream(path).rdbuf();
  std::string doc = in.str();
  auto b = doc.find(begin), e = doc.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    doc.replace(b + begin.size(), e - b - begin.size(), block);
  } else {
    if (doc.find("## Full sync (two daemons)") == std::string::npos) doc += "\n## Full sync (two daemons)\n";
    doc += "\n" + begin + block + end;
  }
  std::ofstream(path + ".tmp") << doc;
  if (std::rename((path + ".tmp").c_str(), path.c_str()) != 0) throw std::runtime_error("cannot write " + path);
  std::printf("\nwrote the table to %s\n", path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<long> sizes;
  bool doc = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-doc") == 0) doc = false;
    else if (long v = std::atol(argv[i]); v >= 100) sizes.push_back(v);
    else {
      std::fprintf(stderr, "usage: bench_full_sync [--no-doc] [ROWS>=100 ...]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {10000, 100000, 1000000};
  try {
    std::vector<SizeResult> results;
    std::string machine;
    for (long rows : sizes) results.push_back(measure_size(rows, machine));
    bool floors_ok = true;
    std::string block = report(results, machine, &floors_ok);
    std::printf("\n%s", block.c_str());
    if (doc) write_doc(block);
    return floors_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_full_sync: %s\n", e.what());
    return 1;
  }
}
