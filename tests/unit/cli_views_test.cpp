// tandemctl's text: sizes, durations, columns of UTF-8, and the views of the API's JSON.
#include <gtest/gtest.h>

#include "cli/text.hpp"
#include "cli/views.hpp"

namespace tandem::cli {
namespace {

using nlohmann::json;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(CliText, SizesAndDurations) {
  EXPECT_EQ(human_bytes(0), "0 B");
  EXPECT_EQ(human_bytes(950), "950 B");
  EXPECT_EQ(human_bytes(1500), "1.50 kB");
  EXPECT_EQ(human_bytes(12345678), "12.3 MB");
  EXPECT_EQ(human_bytes(512e9), "512 GB");
  EXPECT_EQ(human_duration(0.25), "250 ms");
  EXPECT_EQ(human_duration(42.9), "42 s");
  EXPECT_EQ(human_duration(185), "3 min 05 s");
  EXPECT_EQ(human_duration(7620), "2 h 07 min");
  EXPECT_EQ(short_time("2026-11-25T12:00:03.120Z"), "2026-11-25 12:00:03");
  EXPECT_EQ(short_time("-"), "-");
}

TEST(CliText, Utf8Columns) {
  EXPECT_EQ(display_width("Server B → Server A"), 19u);
  EXPECT_EQ(fit("Transferring backup…", 8), "Transfe…");
  EXPECT_EQ(display_width(fit("→→→→→→", 3)), 3u);
  EXPECT_EQ(fit("short", 10), "short");
  EXPECT_EQ(pad("→", 3), "→  ");
}

TEST(CliText, TableAlignsByColumnsNotBytes) {
  std::string t = render_table({{"A", "B"}, {"→→", "x"}, {"long", "y"}});
  EXPECT_EQ(t, "A     B\n→→    x\nlong  y\n");
}

json sessions() {
  return {{"sessions",
           {{{"id", "fs-2"}, {"direction", "pull"}, {"source", "a"}, {"target", "b"}, {"state", "running"},
             {"phase", "transfer"}, {"startedAt", "2026-11-25T12:05:00.000Z"}, {"finishedAt", nullptr},
             {"bytes", 2500000}, {"rows", 1000}, {"stalled", false}, {"error", nullptr}},
            {{"id", "fs-1"}, {"direction", "push"}, {"source", "b"}, {"target", "a"}, {"state", "failed"},
             {"phase", "convert"}, {"startedAt", "2026-11-25T12:00:00.000Z"},
             {"finishedAt", "2026-11-25T12:00:09.000Z"}, {"bytes", 0}, {"rows", 0}, {"stalled", false},
             {"error", "public.orders.total: type numeric(14,2) on the source, text on the target"}}}}};
}

const NodeNames kNames = {{"a", "Server A"}, {"b", "Server B"}};

TEST(CliViews, NodeNamesAndDirection) {
  json peers = {{"nodes", {{{"id", "a"}, {"name", "Server A"}, {"local", false}},
                           {{"id", "b"}, {"name", "Server B"}, {"local", true}}}}};
  EXPECT_EQ(node_names(peers), kNames);
  EXPECT_EQ(direction_text("a", "b", kNames), "Server A → Server B");
  EXPECT_EQ(direction_text("a", "zz", kNames), "Server A → zz");
}

TEST(CliViews, LiveSessionsAreQueuedOrRunning) {
  auto live = live_sessions(sessions());
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0]["id"], "fs-2");
  EXPECT_TRUE(live_sessions(json::object()).empty());
}

TEST(CliViews, HistoryTable) {
  std::string t = render_history(sessions(), kNames);
  EXPECT_TRUE(has(t, "ID    DIRECTION            STATE    STARTED              BYTES    ROWS\n")) << t;
  EXPECT_TRUE(has(t, "fs-2  Server A → Server B  running  2026-11-25 12:05:00  2.50 MB  1000\n")) << t;
  EXPECT_TRUE(has(t, "fs-1  Server B → Server A  failed")) << t;
  EXPECT_TRUE(has(t, "\n    error: public.orders.total: type numeric(14,2)")) << t;
  EXPECT_EQ(render_history(json{{"sessions", json::array()}}, kNames), "No full syncs yet.\n");
}

TEST(CliViews, ASessionHeldUpByALockSaysByWhat) {
  json list = sessions();
  list["sessions"][0]["stalled"] = true;
  list["sessions"][0]["blockedBy"] = "restore waits for a lock held by process 4242 (application \"shop\")";
  std::string t = render_history(list, kNames);
  EXPECT_TRUE(has(t, "running (stalled)  2026-11-25 12:05:00  2.50 MB  1000\n"
                     "    held up: restore waits for a lock held by process 4242 (application \"shop\")\n"))
      << t;
  EXPECT_EQ(held_up_line(json{{"blockedBy", nullptr}}), "");
}

TEST(CliViews, SessionDetailWithPhasesAndLog) {
  json d = sessions()["sessions"][1];
  d["phases"] = {{{"phase", "backup"}, {"bytesDone", 1000}, {"bytesTotal", 1000}, {"rowsDone", 5},
                  {"rowsTotal", 5}, {"startedAt", "2026-11-25T12:00:01.000Z"}, {"finishedAt", nullptr}}};
  d["options"] = {{"compressionEnabled", true}, {"verifyAfterSync", false}, {"mode", "mirror"}, {"method", "actor"}};
  d["log"] = {"plain line", {{"at", "2026-11-25T12:00:02.000Z"}, {"message", "convert failed"}}};
  std::string t = render_session(d, kNames);
  EXPECT_TRUE(has(t, "Session:   fs-1\n")) << t;
  EXPECT_TRUE(has(t, "Direction: Server B → Server A (push)\n")) << t;
  EXPECT_TRUE(has(t, "Options:   mode mirror, compression yes, verify no, transport actor\n")) << t;
  EXPECT_TRUE(has(t, "Error:     public.orders.total")) << t;
  EXPECT_TRUE(has(t, "backup  1.00 kB / 1.00 kB  5 / 5  2026-11-25 12:00:01  -\n")) << t;
  EXPECT_TRUE(has(t, "Log:\n  plain line\n  2026-11-25 12:00:02  convert failed\n")) << t;
  EXPECT_TRUE(has(t, "Finished:  2026-11-25 12:00:09\n")) << t;
  d.erase("log");
  d["finishedAt"] = nullptr;
  t = render_session(d, kNames);
  EXPECT_FALSE(has(t, "Finished:")) << "a missing time is left out: " << t;
  EXPECT_TRUE(has(t, "keeps no log lines")) << t;
}

TEST(CliViews, PeersTable) {
  json peers = {{"nodes", {{{"id", "b"}, {"name", "Server B"}, {"local", true}, {"reachable", true}, {"detail", ""}},
                           {{"id", "a"}, {"name", "Server A"}, {"local", false}, {"reachable", false},
                            {"detail", "connection refused"}}}}};
  std::string t = render_peers(peers);
  EXPECT_TRUE(has(t, "b   Server B  this node  -          -\n")) << t;
  EXPECT_TRUE(has(t, "a   Server A  peer       no         connection refused\n")) << t;
}

TEST(CliViews, ConflictsSayWhoseVersionWasKeptAndWhy) {
  json lww = {{"id", 2}, {"table", "public.products"}, {"key", {{"id", 5}}}, {"winner", "remote"},
              {"policy", "last_writer_wins"}, {"resolvedAt", "2026-11-25T12:00:31.000Z"},
              {"local", {{"origin", "b"}, {"row", {{"id", 5}}}}}, {"remote", {{"origin", "a"}, {"row", {{"id", 5}}}}}};
  json pref = {{"id", 1}, {"table", "public.orders"}, {"key", {{"id", 9}, {"line", "x"}}}, {"winner", "local"},
               {"policy", "prefer_node:b"}, {"resolvedAt", "2026-11-25T12:00:00.000Z"},
               {"local", {{"origin", "b"}, {"row", nullptr}}}, {"remote", {{"origin", "a"}, {"row", {{"id", 9}}}}}};
  std::string t = render_conflicts(json{{"conflicts", {lww, pref}}}, kNames);
  EXPECT_EQ(t,
            "2026-11-25 12:00:31  public.products (id 5): kept Server A's version (the later change wins)\n"
            "2026-11-25 12:00:00  public.orders (id 9, line x): kept Server B's deletion (Server B is preferred)\n");
  EXPECT_EQ(render_conflicts(json{{"conflicts", json::array()}}, kNames), "No conflicts recorded.\n");
}

TEST(CliViews, QuarantineShowsEachChangeAndWhyItFailed) {
  json update = {{"id", 7}, {"peer", "a"}, {"table", "public.products"}, {"op", "update"}, {"key", {{"id", 5}}},
                 {"quarantinedAt", "2026-11-25T12:00:31.000Z"}, {"retries", 0},
                 {"error", "ERROR:  new row for relation \"products\" violates check constraint \"price_cap\"\n"
                           "DETAIL:  Failing row contains (5, ...)."}};
  json deletion = {{"id", 9}, {"peer", "a"}, {"table", "public.orders"}, {"op", "delete"},
                   {"key", {{"id", 9}, {"line", "x"}}}, {"quarantinedAt", "2026-11-25T12:01:00.000Z"},
                   {"retries", 2}, {"error", "still referenced"}};
  std::string t = render_quarantine(json{{"total", 2}, {"changes", {update, deletion}}}, kNames);
  EXPECT_EQ(t,
            "#7  2026-11-25 12:00:31  public.products (id 5): update from Server A\n"
            "    new row for relation \"products\" violates check constraint \"price_cap\"\n"
            "#9  2026-11-25 12:01:00  public.orders (id 9, line x): delete from Server A, retried 2 times\n"
            "    still referenced\n");
  t = render_quarantine(json{{"total", 120}, {"changes", {update}}}, kNames, "  ");
  EXPECT_TRUE(has(t, "\n  The oldest 1 of 120 are shown.\n")) << t;
  EXPECT_EQ(render_quarantine(json{{"total", 0}, {"changes", json::array()}}, kNames), "No changes quarantined.\n");
}

TEST(CliViews, PeriodicFromEitherShape) {
  json row = {{"peer", "a"}, {"state", "running"}, {"lastRoundAt", "2026-11-25T12:00:30.000Z"},
              {"lagSeconds", 1.5}, {"pending", 3}, {"applied", 120}, {"conflicts", 0}};
  for (const json& answer : {json::array({row}), json{{"peers", {row}}}}) {
    std::string t = render_periodic(answer, kNames);
    EXPECT_TRUE(has(t, "Server A  running  2026-11-25 12:00:30  1 s  3        120      0\n")) << t;
  }
  EXPECT_EQ(render_periodic(json::array(), kNames), "No periodic sync with any peer.\n");
  row["name"] = "Main office";
  row["lastError"] = "peer a: connection refused";
  std::string t = render_periodic(json{{"peers", {row}}}, kNames);
  EXPECT_TRUE(has(t, "\nMain office  running")) << t;
  EXPECT_TRUE(has(t, "\n    a: peer a: connection refused\n")) << t;
  row["lastError"] = nullptr;
  row["blockedBy"] = "periodic apply a waits for a lock held by process 7";
  t = render_periodic(json{{"peers", {row}}}, kNames);
  EXPECT_TRUE(has(t, "\n    a held up: periodic apply a waits for a lock held by process 7\n")) << t;
}

}  // namespace
}  // namespace tandem::cli
