// Periodic-sync benchmark (issue 8, item 7): changes applied per second on node b and
// change→applied latency (p50/p99/max) while a steady writer works on node a. Targets:
// ≥ 5,000 changes/s and p99 ≤ interval + 1 s.
//
// Setup: two real daemons (TwoNodes) on durable sandbox clusters (fsync on), the sample
// app on a, an older copy on b, a pull full sync so both start equal. Then two runs, each
// ended by waiting until b holds exactly a's rows:
//   1. "max":  the writer commits as fast as one connection can for --seconds;
//   2. "rate": the writer paces itself to --rate changes/s for --seconds.
// The writer's transactions look like an application's: --batch changes each, three in
// four an "AuditLog" insert (random uuid key, jsonb payload), one in four a customer
// update (profile jsonb, updated_at). Every written row carries its write time
// (clock_timestamp() on a) in "createdAt" / updated_at.
//
// Latency: on b, a deferred constraint trigger on both tables records each applied row's
// write time and clock_timestamp() at the apply transaction's commit into
// bench_probe.arrivals (schema bench_probe is outside sync.tables, so it stays on b).
// Both clusters run on this machine, so their clocks agree; latency = arrived − written.
// Throughput: arrivals / (last arrival − first write), i.e. end to end, sustained.
//
// Usage: bench_periodic [--scale 1] [--interval 1] [--seconds 20] [--rate 2000]
//                       [--batch 10]          (run through tools/bench-periodic)
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/bench/bench_support.hpp"
#include "tests/support/tandem_node.hpp"

using namespace tandem::test;
using tandem::bench::Clock;
using tandem::bench::proc_status_kb;
using tandem::bench::reset_peak_rss;
using tandem::bench::seconds_since;

namespace {

struct Flags {
  double scale = 1.0;
  int interval_s = 1;
  int seconds = 20;
  int rate = 2000;
  int batch = 10;
};

Flags parse_flags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value after " + k);
    double v = std::atof(argv[++i]);
    if (k == "--scale") f.scale = v;
    else if (k == "--interval") f.interval_s = int(v);
    else if (k == "--seconds") f.seconds = int(v);
    else if (k == "--rate") f.rate = int(v);
    else if (k == "--batch") f.batch = int(v);
    else throw std::runtime_error("unknown flag " + k);
  }
  if (f.interval_s < 1 || f.seconds < 1 || f.rate < 1 || f.batch < 1)
    throw std::runtime_error("flags must be positive");
  return f;
}

// A query's rows, or an exception naming its error.
Rows must(tandem::Result<Rows> rows) {
  if (!rows.ok()) throw std::runtime_error(rows.error().describe());
  return std::move(*rows);
}


// ---- node b's arrival probe ------------------------------------------------------------

const char* const kProbeSql = R"SQL(
CREATE SCHEMA IF NOT EXISTS bench_probe;
CREATE TABLE IF NOT EXISTS bench_probe.arrivals (
  tbl text NOT NULL, written_at timestamptz NOT NULL, arrived_at timestamptz NOT NULL);
CREATE OR REPLACE FUNCTION bench_probe.audit_arrived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO bench_probe.arrivals VALUES ('AuditLog', NEW."createdAt", clock_timestamp()); RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION bench_probe.customer_arrived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO bench_probe.arrivals VALUES ('customers', NEW.updated_at, clock_timestamp()); RETURN NULL; END $$;
-- Deferred: they fire at the apply transaction's commit, when the rows become visible.
CREATE CONSTRAINT TRIGGER bench_arrival AFTER INSERT ON "AuditLog" DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW."entityType" = 'bench') EXECUTE FUNCTION bench_probe.audit_arrived();
CREATE CONSTRAINT TRIGGER bench_arrival AFTER UPDATE ON customers DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION bench_probe.customer_arrived();
)SQL";

// ---- the writer on node a ----------------------------------------------------------------

class Writer {
 public:
  Writer(const PgSandbox& db, int batch) : batch_(batch) {
    conn_ = PQconnectdb(db.conninfo().c_str());
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
    for (const auto& row : must(db.query("SELECT id FROM customers WHERE NOT is_demo"))) customers_.push_back(row[0]);
    if (customers_.empty()) throw std::runtime_error("no customers to update");
  }
  ~Writer() { PQfinish(conn_); }

  // One transaction of `batch` changes; returns how many it wrote.
  long write_one() {
    long updates = batch_ / 4, inserts = batch_ - updates;
    std::string ids;
    std::vector<std::size_t> picked;
    while (long(picked.size()) < updates) {
      std::size_t i = rng_() % customers_.size();
      if (std::find(picked.begin(), picked.end(), i) != picked.end()) continue;
      picked.push_back(i);
      ids += (ids.empty() ? "" : ",") + customers_[i];
    }
    std::string sql =
        "BEGIN; INSERT INTO \"AuditLog\" (id, \"entityType\", \"entityId\", action, payload, \"createdAt\") "
        "SELECT gen_random_uuid(), 'bench', " + std::to_string(seq_) + " + g, 'insert', "
        "jsonb_build_object('seq', " + std::to_string(seq_) + " + g, 'by', 'bench_periodic', "
        "'note', repeat('x', 60)), clock_timestamp() FROM generate_series(1, " + std::to_string(inserts) + ") g;";
    if (updates > 0)
      sql += "UPDATE customers SET updated_at = clock_timestamp(), profile = profile || "
             "jsonb_build_object('benchSeq', " + std::to_string(seq_) + ") WHERE id IN (" + ids + ");";
    sql += "COMMIT;";
    PGresult* r = PQexec(conn_, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(std::string("writer: ") + PQerrorMessage(conn_));
    seq_ += inserts;
    return inserts + updates;
  }

 private:
  PGconn* conn_ = nullptr;
  int batch_;
  long seq_ = 0;
  std::vector<std::string> customers_;
  std::mt19937_64 rng_{42};
};

// ---- measuring ---------------------------------------------------------------------------

long long applied_on(const TandemNode& node) {
  auto p = node.get("/api/admin/sync/periodic").json();
  return p["peers"].empty() ? 0 : p["peers"][0].value("applied", 0LL);
}

struct RunResult {
  std::string name;
  long written = 0;
  double write_s = 0, write_rate = 0;
  long arrivals = 0;
  long long applied = 0;  // the periodic status counter's growth on b
  double span_s = 0, apply_rate = 0, drain_s = 0;
  long backlog = 0;         // arrivals after the writer stopped
  double backlog_rate = 0;  // their rate: b's apply capacity with a idle
  bool paced = false;
  double p50 = 0, p99 = 0, max = 0;
  long hwm_a = 0, hwm_b = 0;
};

// Writes for `seconds` (paced to `rate` changes/s, or as fast as possible when rate <= 0),
// waits until b equals a, then reads b's arrivals.
RunResult run(const std::string& name, TwoNodes& n, Writer& w, int seconds, int rate) {
  RunResult r;
  r.name = name;
  r.paced = rate > 0;
  n.db_b.exec("TRUNCATE bench_probe.arrivals");
  long long applied0 = applied_on(*n.b);
  std::string t0_sql = n.db_a.scalar("SELECT clock_timestamp()::text");
  auto t0 = Clock::now();
  while (seconds_since(t0) < seconds) {
    if (rate > 0) {
      auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(double(r.written) / rate));
      std::this_thread::sleep_until(due);
    }
    r.written += w.write_one();
  }
  r.write_s = seconds_since(t0);
  r.write_rate = r.written / r.write_s;
  std::string t_end_sql = n.db_a.scalar("SELECT clock_timestamp()::text");
  auto t_end = Clock::now();
  if (!wait_until([&] { return TwoNodes::fingerprint(n.db_a) == TwoNodes::fingerprint(n.db_b); },
                  std::chrono::minutes(5), std::chrono::milliseconds(100)))
    throw std::runtime_error(name + ": b did not converge in 5 minutes; b's log:\n" + n.b->log());
  r.drain_s = seconds_since(t_end);
  r.applied = applied_on(*n.b) - applied0;
  auto row = must(n.db_b.query(
      "SELECT count(*), extract(epoch FROM max(arrived_at) - '" + t0_sql + "'::timestamptz), "
      "percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM arrived_at - written_at)), "
      "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM arrived_at - written_at)), "
      "max(extract(epoch FROM arrived_at - written_at)), "
      "count(*) FILTER (WHERE arrived_at > '" + t_end_sql + "'), "
      "extract(epoch FROM max(arrived_at) - '" + t_end_sql + "'::timestamptz) FROM bench_probe.arrivals"))[0];
  r.arrivals = std::atol(row[0].c_str());
  r.span_s = std::atof(row[1].c_str());
  r.apply_rate = r.span_s > 0 ? r.arrivals / r.span_s : 0;
  r.p50 = std::atof(row[2].c_str());
  r.p99 = std::atof(row[3].c_str());
  r.max = std::atof(row[4].c_str());
  r.backlog = std::atol(row[5].c_str());
  double backlog_s = std::atof(row[6].c_str());
  // Only a backlog of several batches (5,000 changes each) measures apply capacity; a
  // smaller one mostly measures the wait for the next round.
  r.backlog_rate = backlog_s > 0 && r.backlog >= 20000 ? r.backlog / backlog_s : 0;
  r.hwm_a = proc_status_kb(n.a->pid(), "VmHWM:");
  r.hwm_b = proc_status_kb(n.b->pid(), "VmHWM:");
  return r;
}

void print(const RunResult& r, const Flags& f) {
  double target_p99 = f.interval_s + 1.0;
  std::printf(
      "\n[%s] wrote %ld changes in %.1f s on a (%.0f/s)\n"
      "  arrived on b: %ld (periodic status applied: +%lld), caught up %.2f s after the writer stopped\n"
      "  applied/s end to end: %.0f  (target 5,000: ratio %.2f%s)\n"
      "  backlog when the writer stopped: %ld, applied at %.0f/s (0: too small to tell)\n"
      "  latency p50 %.3f s  p99 %.3f s  max %.3f s  (target p99 <= %.0f s: ratio %.2f)\n"
      "  peak RSS since the full sync: a %.1f MB, b %.1f MB\n",
      r.name.c_str(), r.written, r.write_s, r.write_rate, r.arrivals, r.applied, r.drain_s, r.apply_rate,
      r.apply_rate / 5000.0, r.paced ? "; bounded by the writer's pace" : "", r.backlog, r.backlog_rate, r.p50, r.p99, r.max, target_p99, r.p99 / target_p99, r.hwm_a / 1024.0,
      r.hwm_b / 1024.0);
  if (r.arrivals != r.written)
    std::printf("  NOTE: %ld changes written but %ld arrivals recorded\n", r.written, r.arrivals);
}

}  // namespace

int main(int argc, char** argv) try {
  Flags f = parse_flags(argc, argv);
  auto t_setup = Clock::now();
  TwoNodes n(f.scale, false, PgSandbox::Options{true});
  for (auto* node : {n.a.get(), n.b.get()}) node->config()["sync"]["periodic_interval_s"] = f.interval_s;
  n.a->start();
  n.b->start();
  auto id = session_id_of(n.b->start_full_sync("pull", "a"));
  if (id.empty() || n.b->wait_finished(id, std::chrono::minutes(10)).value("state", "") != "succeeded")
    throw std::runtime_error("pull full sync failed; b's log:\n" + n.b->log());
  if (!wait_until([&] { return TwoNodes::fingerprint(n.db_a) == TwoNodes::fingerprint(n.db_b); },
                  std::chrono::seconds(30)))
    throw std::runtime_error("a and b differ after the full sync");
  n.db_b.exec(kProbeSql);
  bool peaks_reset = reset_peak_rss(n.a->pid()) && reset_peak_rss(n.b->pid());
  std::printf("setup (load scale %.2f, start, pull full sync): %.1f s; interval %d s, %d changes per transaction\n"
              "RSS after the full sync: a %.1f MB, b %.1f MB%s\n",
              f.scale, seconds_since(t_setup), f.interval_s, f.batch, proc_status_kb(n.a->pid(), "VmRSS:") / 1024.0,
              proc_status_kb(n.b->pid(), "VmRSS:") / 1024.0,
              peaks_reset ? "" : " (peak RSS could not be reset: the peaks below include the full sync)");

  Writer w(n.db_a, f.batch);
  print(run("max", n, w, f.seconds, 0), f);
  print(run("rate " + std::to_string(f.rate) + "/s", n, w, f.seconds, f.rate), f);
  std::printf("\nRSS now: a %.1f MB, b %.1f MB\n", proc_status_kb(n.a->pid(), "VmRSS:") / 1024.0,
              proc_status_kb(n.b->pid(), "VmRSS:") / 1024.0);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_periodic: %s\n", e.what());
  return 1;
}
