// tandemctl's argument parser and URL reader: every usage error is caught before a
// request is sent, and names the word that is wrong.
#include <gtest/gtest.h>

#include "cli/api_client.hpp"
#include "cli/args.hpp"

namespace tandem::cli {
namespace {

const Environment kEnv = {{"TANDEM_TOKEN", "env-token"}};

Invocation parse_ok(const std::vector<std::string>& args, const Environment& env = kEnv) {
  auto r = parse_args(args, env);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Invocation{};
}

std::string parse_error(const std::vector<std::string>& args, const Environment& env = kEnv) {
  auto r = parse_args(args, env);
  EXPECT_FALSE(r.ok()) << "accepted: " << ::testing::PrintToString(args);
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, "usage");
  return r.error().message;
}

TEST(CliArgs, FullSyncPullWithEveryFlag) {
  auto inv = parse_ok({"full-sync", "--pull", "a", "--no-compress", "--no-verify", "--mirror", "--http"});
  EXPECT_EQ(inv.command, "full-sync");
  EXPECT_EQ(inv.full_sync.direction, "pull");
  EXPECT_EQ(inv.full_sync.peer, "a");
  EXPECT_TRUE(inv.full_sync.no_compress);
  EXPECT_TRUE(inv.full_sync.no_verify);
  EXPECT_TRUE(inv.full_sync.mirror);
  EXPECT_TRUE(inv.full_sync.http);
  EXPECT_FALSE(inv.json);
}

TEST(CliArgs, FullSyncPushKeepsDefaults) {
  auto inv = parse_ok({"full-sync", "b", "--push"});
  EXPECT_EQ(inv.full_sync.direction, "push");
  EXPECT_EQ(inv.full_sync.peer, "b");
  EXPECT_FALSE(inv.full_sync.no_compress);
  EXPECT_FALSE(inv.full_sync.no_verify);
  EXPECT_FALSE(inv.full_sync.mirror);
  EXPECT_FALSE(inv.full_sync.http);
}

TEST(CliArgs, FullSyncNeedsExactlyOneDirectionAndOnePeer) {
  EXPECT_NE(parse_error({"full-sync", "a"}).find("--pull"), std::string::npos);
  EXPECT_NE(parse_error({"full-sync", "--pull", "--push", "a"}).find("exactly one"), std::string::npos);
  EXPECT_NE(parse_error({"full-sync", "--pull"}).find("missing"), std::string::npos);
  EXPECT_NE(parse_error({"full-sync", "--pull", "a", "b"}).find("\"b\""), std::string::npos);
}

TEST(CliArgs, GlobalOptionsAnywhereAndBeatTheEnvironment) {
  Environment env = {{"TANDEM_URL", "http://env:1"}, {"TANDEM_TOKEN", "env-token"}};
  auto inv = parse_ok({"peers", "--url", "http://flag:2", "--json", "--token=flag-token"}, env);
  EXPECT_EQ(inv.url, "http://flag:2");
  EXPECT_EQ(inv.token, "flag-token");
  EXPECT_TRUE(inv.json);
  auto from_env = parse_ok({"--url=http://x:3", "status"}, env);
  EXPECT_EQ(from_env.url, "http://x:3");
  EXPECT_EQ(from_env.token, "env-token");
  auto defaults = parse_ok({"status"}, {{"TANDEM_TOKEN", "t"}});
  EXPECT_EQ(defaults.url, kDefaultUrl);
}

TEST(CliArgs, MissingTokenIsAUsageErrorNamingWhereToSetIt) {
  auto msg = parse_error({"status"}, {});
  EXPECT_NE(msg.find("--token"), std::string::npos) << msg;
  EXPECT_NE(msg.find("TANDEM_TOKEN"), std::string::npos) << msg;
}

TEST(CliArgs, HelpAndVersionNeedNoToken) {
  EXPECT_EQ(parse_ok({"--help"}, {}).action, Action::help);
  EXPECT_EQ(parse_ok({"full-sync", "-h"}, {}).action, Action::help);
  EXPECT_EQ(parse_ok({"--version"}, {}).action, Action::version);
}

TEST(CliArgs, CommandsWithAnId) {
  EXPECT_EQ(parse_ok({"show", "fs-1"}).id, "fs-1");
  EXPECT_EQ(parse_ok({"cancel", "fs-2"}).id, "fs-2");
  parse_error({"show"});
  parse_error({"cancel", "fs-1", "fs-2"});
}

TEST(CliArgs, PeriodicVerbs) {
  EXPECT_EQ(parse_ok({"periodic"}).periodic_verb, "");
  EXPECT_EQ(parse_ok({"periodic", "pause"}).periodic_verb, "pause");
  EXPECT_EQ(parse_ok({"periodic", "resume"}).periodic_verb, "resume");
  EXPECT_NE(parse_error({"periodic", "stop"}).find("\"stop\""), std::string::npos);
  EXPECT_EQ(parse_ok({"periodic", "quarantine"}).periodic_verb, "quarantine");
  auto retry = parse_ok({"periodic", "retry", "17"});
  EXPECT_EQ(retry.periodic_verb, "retry");
  EXPECT_EQ(retry.id, "17");
  EXPECT_EQ(parse_ok({"periodic", "discard", "3"}).id, "3");
  EXPECT_EQ(parse_ok({"periodic", "retry", "all"}).id, "all");
  EXPECT_NE(parse_error({"periodic", "discard", "all"}).find("\"all\" is not the id"), std::string::npos);
  EXPECT_NE(parse_error({"periodic", "retry"}).find("needs the id of a quarantined change"), std::string::npos);
  EXPECT_NE(parse_error({"periodic", "discard", "x1"}).find("\"x1\" is not the id"), std::string::npos);
  EXPECT_NE(parse_error({"periodic", "pause", "3"}).find("unexpected argument \"3\""), std::string::npos);
  parse_error({"periodic", "retry", "1", "2"});
}

TEST(CliArgs, HistoryLimit) {
  EXPECT_EQ(parse_ok({"history"}).limit, 20);
  EXPECT_EQ(parse_ok({"history", "--limit", "5"}).limit, 5);
  EXPECT_EQ(parse_ok({"history", "--limit=1000"}).limit, 1000);
  parse_error({"history", "--limit", "0"});
  parse_error({"history", "--limit", "abc"});
  parse_error({"history", "--limit"});
  parse_error({"status", "--limit", "5"});  // only history takes it
}

TEST(CliArgs, UnknownWordsAreNamed) {
  EXPECT_NE(parse_error({"explode"}).find("\"explode\""), std::string::npos);
  EXPECT_NE(parse_error({"peers", "--fast"}).find("\"--fast\""), std::string::npos);
  EXPECT_NE(parse_error({"status", "--mirror"}).find("\"--mirror\""), std::string::npos);
  EXPECT_NE(parse_error({}).find("no command"), std::string::npos);
  EXPECT_NE(parse_error({"peers", "--url"}).find("--url"), std::string::npos);
}

TEST(CliUrl, Forms) {
  auto a = parse_url("http://127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  EXPECT_EQ(a->base_path, "");
  auto b = parse_url("node-b:9000");  // as written in http.listen
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "node-b");
  EXPECT_EQ(b->port, 9000);
  auto c = parse_url("http://proxy.example/tandem/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 80);
  EXPECT_EQ(c->base_path, "/tandem");
  auto d = parse_url("http://[::1]:8081");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->port, 8081);
}

TEST(CliUrl, BadUrlsSayWhy) {
  for (const char* bad : {"https://x:1", "ftp://x", "http://:80", "http://x:0", "http://x:99999",
                          "http://x:8o", "http://[::1"}) {
    auto r = parse_url(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
    }
  }
}

TEST(CliUrl, EncodeKeepsIdsAndEscapesTheRest) {
  EXPECT_EQ(url_encode("fs-20261125-ab12"), "fs-20261125-ab12");
  EXPECT_EQ(url_encode("../x?y=1 z"), "..%2Fx%3Fy%3D1%20z");
}

}  // namespace
}  // namespace tandem::cli
