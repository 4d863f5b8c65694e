// tandemctl end to end: the built binary against two real daemons, as an admin or a
// script runs it. Exit codes (0 success, 1 the sync failed, 2 usage or connection
// error), progress lines off a terminal, --json that parses, and every command.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "tests/support/app_transaction.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;

std::string tandemctl_path() { return std::string(TANDEM_BINARY_DIR) + "/tandemctl"; }

// Runs tandemctl with `args`; the URL and token come from the environment as a script
// would set them, so a caller's own TANDEM_* variables never leak in.
ProcessResult ctl(const std::vector<std::string>& args, const std::string& url = "",
                  const std::string& token = "") {
  std::vector<std::string> argv = {tandemctl_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {"TANDEM_URL=" + url, "TANDEM_TOKEN=" + token}, std::chrono::seconds(120));
}

ProcessResult ctl(const TandemNode& node, const std::vector<std::string>& args) {
  return ctl(args, "http://127.0.0.1:" + std::to_string(node.http_port()), node.token());
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string dump(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err;
}

// The session id in "... (fs-...)" on the first line full-sync prints.
std::string started_id(const std::string& out) {
  auto open = out.find("(fs-"), close = out.find(')', open);
  return open == std::string::npos ? "" : out.substr(open + 1, close - open - 1);
}

TEST(Cli, UsageAndConnectionErrorsExit2WithAClearMessage) {
  // No daemon needed: these fail before or at the first request.
  auto help = ctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(has(help.out, "full-sync --pull|--push PEER")) << help.out;

  struct Case {
    std::vector<std::string> args;
    std::string token, says;
  };
  for (const auto& c : std::vector<Case>{
           {{}, "t", "usage:"},
           {{"explode"}, "t", "unknown command \"explode\""},
           {{"full-sync", "a"}, "t", "--pull"},
           {{"full-sync", "--pull", "a", "--fast"}, "t", "\"--fast\""},
           {{"cancel"}, "t", "missing an argument"},
           {{"peers"}, "", "TANDEM_TOKEN"},
           {{"peers", "--url", "https://127.0.0.1:1"}, "t", "https"},
       }) {
    auto r = ctl(c.args, "", c.token);
    EXPECT_EQ(r.exit_code, 2) << dump(r);
    EXPECT_TRUE(has(r.err, c.says)) << dump(r);
    EXPECT_TRUE(r.out.empty()) << "errors go to stderr: " << dump(r);
  }

  int closed = free_tcp_port();  // nobody listens here
  auto refused = ctl({"peers"}, "http://127.0.0.1:" + std::to_string(closed), "t");
  EXPECT_EQ(refused.exit_code, 2) << dump(refused);
  EXPECT_TRUE(has(refused.err, "connection refused")) << dump(refused);
  EXPECT_TRUE(has(refused.err, std::to_string(closed))) << "names the URL: " << dump(refused);
}

TEST(Cli, PullSucceedsWithProgressLinesAndEveryReadingCommandWorks) {
  TwoNodes n;
  ASSERT_NE(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));

  auto sync = ctl(*n.b, {"full-sync", "--pull", "a"});
  ASSERT_EQ(sync.exit_code, 0) << dump(sync) << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  auto out = lines_of(sync.out);
  ASSERT_GE(out.size(), 3u) << dump(sync);
  EXPECT_TRUE(has(out.front(), "Server A → Server B")) << dump(sync);
  std::string id = started_id(out.front());
  ASSERT_EQ(id.rfind("fs-", 0), 0u) << dump(sync);
  EXPECT_TRUE(has(out.back(), "Full sync " + id + " succeeded in")) << dump(sync);
  // Off a terminal: plain progress lines, no carriage returns or escape codes.
  int progress_lines = 0;
  for (const auto& l : out) progress_lines += l.rfind("[", 0) == 0 && has(l, "%] ");
  EXPECT_GE(progress_lines, 1) << dump(sync);
  EXPECT_TRUE(has(sync.out, "[100%] Done")) << dump(sync);
  EXPECT_FALSE(has(sync.out, "\r") || has(sync.out, "\x1b")) << dump(sync);

  auto history = ctl(*n.b, {"history"});
  ASSERT_EQ(history.exit_code, 0) << dump(history);
  EXPECT_TRUE(has(history.out, "DIRECTION")) << history.out;
  auto row = lines_of(history.out).at(1);
  EXPECT_TRUE(has(row, id) && has(row, "Server A → Server B") && has(row, "succeeded")) << history.out;

  auto show = ctl(*n.a, {"show", id});  // the source knows the session under the same id
  ASSERT_EQ(show.exit_code, 0) << dump(show);
  EXPECT_TRUE(has(show.out, "Session:   " + id)) << show.out;
  EXPECT_TRUE(has(show.out, "succeeded")) << show.out;
  EXPECT_TRUE(has(show.out, "PHASE")) << show.out;
  EXPECT_TRUE(has(show.out, "Log:")) << show.out;

  auto peers = ctl(*n.b, {"peers"});
  ASSERT_EQ(peers.exit_code, 0) << dump(peers);
  EXPECT_TRUE(has(peers.out, "Server B  this node")) << peers.out;
  EXPECT_TRUE(has(peers.out, "Server A  peer       yes")) << peers.out;

  auto status = ctl(*n.b, {"status"});
  EXPECT_EQ(status.exit_code, 0) << dump(status);
  EXPECT_EQ(status.out, "No full sync is running.\n");

  auto cleared = ctl(*n.b, {"clear-stuck"});
  EXPECT_EQ(cleared.exit_code, 0) << dump(cleared);
  EXPECT_EQ(cleared.out, "No stuck sessions.\n");

  auto json_history = ctl(*n.b, {"--json", "history", "--limit", "1"});
  ASSERT_EQ(json_history.exit_code, 0) << dump(json_history);
  auto parsed = json::parse(json_history.out, nullptr, false);
  ASSERT_TRUE(parsed.is_object()) << json_history.out;
  ASSERT_EQ(parsed["sessions"].size(), 1u) << json_history.out;
  EXPECT_EQ(parsed["sessions"][0]["id"], id);

  // A node built before periodic sync answers 404, and the CLI says so.
  for (std::string verb : {"", "pause", "resume"}) {
    auto periodic = ctl(*n.b, verb.empty() ? std::vector<std::string>{"periodic"}
                                           : std::vector<std::string>{"periodic", verb});
    if (periodic.exit_code == 0) {
      std::string says = verb.empty() ? "PEER" : verb == "pause" ? "Periodic sync paused." : "Periodic sync resumed.";
      if (verb.empty() && has(periodic.out, "No periodic sync")) says = "No periodic sync";
      EXPECT_TRUE(has(periodic.out, says)) << verb << ": " << dump(periodic);
    } else {
      EXPECT_EQ(periodic.exit_code, 2) << dump(periodic);
      EXPECT_TRUE(has(periodic.err, "does not serve periodic sync yet")) << dump(periodic);
    }
  }

  // No conflict has happened on this fresh pair.
  auto conflicts = ctl(*n.b, {"periodic", "conflicts"});
  EXPECT_EQ(conflicts.exit_code, 0) << dump(conflicts);
  EXPECT_TRUE(has(conflicts.out, "No conflicts recorded.")) << dump(conflicts);
  auto quarantine = ctl(*n.b, {"periodic", "quarantine"});
  EXPECT_EQ(quarantine.exit_code, 0) << dump(quarantine);
  EXPECT_TRUE(has(quarantine.out, "No changes quarantined.")) << dump(quarantine);
  for (std::string verb : {"retry", "discard"}) {
    auto none = ctl(*n.b, {"periodic", verb, "999"});
    EXPECT_EQ(none.exit_code, 2) << dump(none);
    EXPECT_TRUE(has(none.err, "no quarantined change 999")) << dump(none);
  }
  auto all = ctl(*n.b, {"periodic", "retry", "all"});
  EXPECT_EQ(all.exit_code, 0) << dump(all);
  EXPECT_EQ(all.out, "0 of 0 rows applied; 0 still failing, 0 refused because the row changed since (discard those); "
                     "0 quarantined.\n") << dump(all);

  auto bad_token = ctl({"peers"}, "http://127.0.0.1:" + std::to_string(n.b->http_port()), "wrong-token");
  EXPECT_EQ(bad_token.exit_code, 2) << dump(bad_token);
  EXPECT_TRUE(has(bad_token.err, "refused the admin token")) << dump(bad_token);
  EXPECT_TRUE(has(bad_token.err, "TANDEM_TOKEN")) << dump(bad_token);

  auto unknown = ctl(*n.b, {"show", "fs-nope"});
  EXPECT_EQ(unknown.exit_code, 2) << dump(unknown);
  EXPECT_TRUE(has(unknown.err, "unknown session fs-nope")) << dump(unknown);

  auto unknown_peer = ctl(*n.b, {"full-sync", "--pull", "zz"});
  EXPECT_EQ(unknown_peer.exit_code, 2) << dump(unknown_peer);
  EXPECT_TRUE(has(unknown_peer.err, "targetPeer.nodeId")) << dump(unknown_peer);
}

TEST(Cli, JsonFullSyncPrintsOneProgressObjectPerLine) {
  TwoNodes n;
  auto push = ctl(*n.a, {"full-sync", "--push", "b", "--json", "--no-compress", "--http"});
  ASSERT_EQ(push.exit_code, 0) << dump(push) << n.a->log();
  auto out = lines_of(push.out);
  ASSERT_FALSE(out.empty()) << dump(push);
  std::string id;
  for (const auto& line : out) {
    auto j = json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "not JSON: " << line;
    ASSERT_TRUE(j.contains("state") && j.contains("progress")) << line;
    if (id.empty()) id = j.value("sessionId", "");
    EXPECT_EQ(j.value("sessionId", ""), id) << line;
  }
  auto last = json::parse(out.back());
  EXPECT_EQ(last["state"], "succeeded");
  EXPECT_EQ(last["progress"], 100.0);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  // The option reached the node.
  auto detail = n.a->get("/api/admin/sync/sessions/" + id).json();
  EXPECT_EQ(detail["options"]["compressionEnabled"], false) << detail.dump();
  EXPECT_EQ(detail["options"]["method"], "http") << detail.dump();
}

TEST(Cli, ASyncThatFailsExits1AndHistoryShowsWhy) {
  TwoNodes n;
  // The target's schema no longer matches the source's: convert refuses before restore.
  n.db_b.exec("ALTER TABLE public.orders ALTER COLUMN note TYPE varchar(300)");
  auto before = TwoNodes::fingerprint(n.db_b);
  auto sync = ctl(*n.b, {"full-sync", "--pull", "a"});
  EXPECT_EQ(sync.exit_code, 1) << dump(sync) << n.b->log();
  EXPECT_TRUE(has(sync.err, "failed")) << dump(sync);
  EXPECT_TRUE(has(sync.err, "orders")) << "names the table: " << dump(sync);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), before) << "the target was touched";

  auto history = ctl(*n.b, {"history"});
  ASSERT_EQ(history.exit_code, 0) << dump(history);
  EXPECT_TRUE(has(history.out, "failed")) << history.out;
  EXPECT_TRUE(has(history.out, "    error: ")) << history.out;
}

// An application transaction on b holds a customer the restore must rewrite for 12 s
// (stall_after_s 5): full-sync says once what holds it up, then finishes.
TEST(Cli, FullSyncSaysOnceWhatHoldsItUp) {
  TwoNodes n(0.05, false);
  AppTransaction app = start_holding_the_first_customer(n);
  std::thread holder([&] { (void)app.exec("SELECT pg_sleep(12); COMMIT"); });
  auto sync = ctl(*n.b, {"full-sync", "--pull", "a"});
  holder.join();
  EXPECT_EQ(sync.exit_code, 0) << dump(sync) << n.b->log();
  const std::string said = "held up: restore waits for a lock held by process " + app.pid() + " (application \"shop\"";
  const auto first = sync.out.find(said);
  EXPECT_NE(first, std::string::npos) << dump(sync);
  EXPECT_EQ(sync.out.find("held up:", first + 1), std::string::npos) << "said more than once: " << dump(sync);
}

TEST(Cli, CancelStopsARunningSyncAndASecondStartExits1) {
  TwoNodes n(0.3);
  // A slow sync (1 MB/s) started through the API, so the CLI can act on it meanwhile.
  std::string id = session_id_of(n.b->start_full_sync("pull", "a", {{"bandwidthLimitMBps", 1}}));
  ASSERT_FALSE(id.empty());

  auto status = ctl(*n.b, {"status"});
  ASSERT_EQ(status.exit_code, 0) << dump(status);
  EXPECT_TRUE(has(status.out, id)) << status.out;
  EXPECT_TRUE(has(status.out, "Server A → Server B")) << status.out;
  EXPECT_TRUE(has(status.out, "%] ")) << status.out;

  auto busy = ctl(*n.b, {"full-sync", "--pull", "a"});
  EXPECT_EQ(busy.exit_code, 1) << dump(busy);
  EXPECT_TRUE(has(busy.err, id)) << "names the running session: " << dump(busy);

  auto cancel = ctl(*n.b, {"cancel", id});
  ASSERT_EQ(cancel.exit_code, 0) << dump(cancel);
  EXPECT_TRUE(has(cancel.out, "Cancel requested for " + id)) << cancel.out;
  EXPECT_EQ(n.b->wait_finished(id).value("state", ""), "cancelled");

  auto unknown = ctl(*n.b, {"cancel", "fs-nope"});
  EXPECT_EQ(unknown.exit_code, 2) << dump(unknown);
  EXPECT_TRUE(has(unknown.err, "unknown session fs-nope")) << dump(unknown);
}

}  // namespace
}  // namespace tandem::test
