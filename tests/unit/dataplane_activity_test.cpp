// classify(): what pg_stat_activity's rows for a sync's backends mean for its stall clock.
#include <gtest/gtest.h>

#include "persistence/dataplane/backend_activity.hpp"

namespace tandem {
namespace {

BackendSeen backend(const std::string& purpose, const std::string& state, const std::string& wait_type = "",
                    const std::string& wait = "") {
  BackendSeen b;
  b.pid = 100;
  b.purpose = purpose;
  b.state = state;
  b.wait_event_type = wait_type;
  b.wait_event = wait;
  b.statement_s = 95;
  return b;
}

using Kind = BackendActivity::Kind;

TEST(BackendActivity, AStatementOnCpuOrIoOrItsWorkersIsWorking) {
  for (const auto& [type, event] : std::vector<std::pair<std::string, std::string>>{
           {"", ""}, {"IO", "DataFileRead"}, {"IPC", "ExecuteGather"}, {"LWLock", "WALWrite"},
           {"Timeout", "VacuumDelay"}}) {
    auto a = classify({backend("restore", "active", type, event)});
    EXPECT_EQ(a.kind, Kind::working) << type << "/" << event;
    EXPECT_EQ(a.detail, "restore: a statement running for 95 s");
  }
}

TEST(BackendActivity, WaitingForUsOrBetweenStatementsIsNeither) {
  EXPECT_EQ(classify({}).kind, Kind::idle);
  EXPECT_EQ(classify({backend("restore", "idle in transaction", "Client", "ClientRead")}).kind, Kind::idle);
  // COPY FROM STDIN waiting for the next chunk: we feed it, progress tells.
  EXPECT_EQ(classify({backend("restore staging", "active", "Client", "ClientRead")}).kind, Kind::idle);
  EXPECT_EQ(classify({backend("verify", "idle")}).kind, Kind::idle);
}

TEST(BackendActivity, ALockWaitNamesWhoHoldsItAndOutweighsWork) {
  BackendSeen waiting = backend("restore", "active", "Lock", "transactionid");
  waiting.blocker_pid = 4242;
  waiting.blocker_application = "shop";
  waiting.blocker_state = "idle in transaction";
  waiting.blocker_transaction_s = 312;
  waiting.blocker_query = "SELECT * FROM customers WHERE id = 1 FOR UPDATE";
  auto a = classify({backend("restore staging", "active"), waiting});
  EXPECT_EQ(a.kind, Kind::blocked);
  EXPECT_EQ(a.detail,
            "restore waits for a lock held by process 4242 (application \"shop\", idle in transaction, its "
            "transaction open for 312 s; last statement: SELECT * FROM customers WHERE id = 1 FOR UPDATE)");

  waiting.blocker_state = "active";
  waiting.blocker_application.clear();
  waiting.blocker_query = "ALTER TABLE customers ADD COLUMN x int";
  EXPECT_EQ(classify({waiting}).detail,
            "restore waits for a lock held by process 4242 (active, its transaction open for 312 s; running: "
            "ALTER TABLE customers ADD COLUMN x int)");
}

TEST(BackendActivity, ABlockerWeMayNotSeeIsStillNamedByItsProcess) {
  BackendSeen waiting = backend("backup", "active", "Lock", "relation");
  waiting.blocker_pid = 77;  // another role's backend: no state without pg_read_all_stats
  EXPECT_EQ(classify({waiting}).detail,
            "backup waits for a lock held by process 77 (its details need the pg_read_all_stats role to be shown)");
  waiting.blocker_pid = 0;  // gone between the two reads
  EXPECT_EQ(classify({waiting}).detail, "backup waits for a lock (relation)");
}

}  // namespace
}  // namespace tandem
