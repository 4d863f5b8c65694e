// Periodic sync under PostgreSQL's own load generator: `pgbench -c 4 -T 15` (TPC-B-like:
// every transaction updates one account, one teller and the single branch row, and
// appends to pgbench_history) writes on node a while periodic sync (interval 1 s) carries
// the changes to b. Afterwards b must hold a's accounts, tellers and branches exactly,
// with nothing quarantined.
//
// pgbench_history has no primary key, so change capture cannot address its rows and
// periodic sync does not carry them; it is excluded (sync.exclude_tables) from full sync
// too, so both kinds of sync see the same set of tables. The test checks that b's copy
// stays empty and uses a's history as the ledger the balances on b must add up to.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using namespace std::chrono;

const char* const kPgbench = "/usr/lib/postgresql/15/bin/pgbench";
const char* const kSyncedTables[] = {"pgbench_accounts", "pgbench_branches", "pgbench_tellers"};

EnvOverrides pg_env(const PgSandbox& db) {
  return {"PGHOST=" + db.host(), "PGPORT=" + std::to_string(db.port()), "PGUSER=postgres",
          "PGDATABASE=app"};
}

// Runs pgbench against `db`; its output, or a test failure carrying it.
std::string pgbench(const PgSandbox& db, const std::vector<std::string>& args) {
  std::vector<std::string> argv{kPgbench};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv, pg_env(db), minutes(2));
  EXPECT_TRUE(r.ok()) << "pgbench failed (" << r.exit_code << "):\n" << r.out << r.err;
  return r.out + r.err;
}

// "rows:checksum" per synced pgbench table.
std::string pgbench_fingerprint(const PgSandbox& db) {
  std::string out;
  for (const char* t : kSyncedTables)
    out += std::string(t) + "=" +
           db.scalar(std::string("SELECT count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM ") +
                     t + " x") +
           "\n";
  return out;
}

long long number_after(const std::string& text, const std::string& label) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(label + R"(:\s*([0-9]+))"))) return -1;
  return std::stoll(m[1]);
}

TEST(PeriodicPgbench, BConvergesToAWhilePgbenchWritesOnA) {
  TwoNodes n(0.02, false);
  // Tables exist before the daemons start, so each installs its capture triggers on
  // them. a gets data; b only the schema (drop, tables, primary keys): a full sync fills it.
  pgbench(n.db_a, {"-i", "-s", "1", "-q"});
  pgbench(n.db_b, {"-i", "-I", "dtp", "-s", "1"});
  for (auto* node : {n.a.get(), n.b.get()}) {
    node->config()["sync"]["periodic_interval_s"] = 1;
    node->config()["sync"]["exclude_tables"] = {"public.pgbench_history"};
  }
  n.a->start();
  n.b->start();
  auto id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty()) << n.b->log();
  ASSERT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();
  ASSERT_EQ(pgbench_fingerprint(n.db_b), pgbench_fingerprint(n.db_a));
  ASSERT_EQ(n.db_b.scalar("SELECT count(*) FROM pgbench_accounts"), "100000");

  auto out = pgbench(n.db_a, {"-c", "4", "-j", "2", "-T", "15"});
  auto done = steady_clock::now();
  long long transactions = number_after(out, "number of transactions actually processed");
  ASSERT_GT(transactions, 0) << out;
  EXPECT_EQ(n.db_a.scalar("SELECT count(*) FROM pgbench_history"), std::to_string(transactions));

  bool converged = wait_until([&] { return pgbench_fingerprint(n.db_b) == pgbench_fingerprint(n.db_a); },
                              seconds(30), milliseconds(250));
  auto catch_up_s = duration<double>(steady_clock::now() - done).count();
  ASSERT_TRUE(converged) << "a:\n" << pgbench_fingerprint(n.db_a) << "b:\n" << pgbench_fingerprint(n.db_b)
                         << n.b->log();
  // Every delta pgbench logged on a is in b's balances, independent of the checksums.
  EXPECT_EQ(n.db_b.scalar("SELECT sum(abalance) FROM pgbench_accounts"),
            n.db_a.scalar("SELECT coalesce(sum(delta), 0) FROM pgbench_history"));
  EXPECT_EQ(n.db_b.scalar("SELECT count(*) FROM pgbench_history"), "0") << "history is not synced";

  auto status = n.b->get("/api/admin/sync/periodic").json();
  ASSERT_FALSE(status["peers"].empty()) << status.dump();
  const auto& peer = status["peers"][0];
  EXPECT_EQ(peer.value("quarantined", -1), 0) << peer.dump();
  EXPECT_EQ(n.db_b.scalar("SELECT count(*) FROM tandem.quarantine"), "0");
  EXPECT_TRUE(peer["lastError"].is_null()) << peer.dump();
  // A single writer: nothing can conflict, and every transaction changed three rows.
  EXPECT_EQ(peer.value("conflicts", -1), 0) << peer.dump();
  EXPECT_GT(peer.value("applied", 0LL), 0) << peer.dump();

  std::cout << "pgbench: " << transactions << " transactions in 15 s (" << transactions / 15 << " tps), "
            << peer.value("applied", 0LL) << " changes applied on b, converged "
            << catch_up_s << " s after pgbench ended\n";
}

}  // namespace
}  // namespace tandem::test
