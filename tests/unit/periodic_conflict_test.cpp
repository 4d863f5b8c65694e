// The conflict rule: who wins, and that both nodes (each calling the other "remote")
// always pick the same version, which is what makes them converge.
#include <gtest/gtest.h>

#include "persistence/periodic/conflict.hpp"

namespace tandem {
namespace {

ConflictPolicy lww() { return ConflictPolicy{}; }
ConflictPolicy prefer(const std::string& node) {
  return ConflictPolicy{ConflictPolicy::Kind::prefer_node, node};
}

// The version the rule keeps, seen from node `a`'s side (a is local).
ChangeVersion kept(const ConflictPolicy& p, const ChangeVersion& a, const ChangeVersion& b) {
  return resolve_conflict(p, a, b) == ConflictWinner::local ? a : b;
}

TEST(PeriodicConflict, LastWriterWinsByTime) {
  ChangeVersion a{"a", 2000}, b{"b", 1000};
  EXPECT_EQ(resolve_conflict(lww(), a, b), ConflictWinner::local);
  EXPECT_EQ(resolve_conflict(lww(), b, a), ConflictWinner::remote);
}

TEST(PeriodicConflict, EqualTimesGoToTheGreaterNodeId) {
  ChangeVersion a{"a", 1000}, b{"b", 1000};
  EXPECT_EQ(resolve_conflict(lww(), a, b), ConflictWinner::remote);
  EXPECT_EQ(resolve_conflict(lww(), b, a), ConflictWinner::local);
}

TEST(PeriodicConflict, PreferNodeBeatsTime) {
  ChangeVersion a{"a", 1000}, b{"b", 9000};
  EXPECT_EQ(resolve_conflict(prefer("a"), a, b), ConflictWinner::local);
  EXPECT_EQ(resolve_conflict(prefer("a"), b, a), ConflictWinner::remote);
  EXPECT_EQ(resolve_conflict(prefer("b"), a, b), ConflictWinner::remote);
}

TEST(PeriodicConflict, PreferringAThirdNodeFallsBackToLastWriter) {
  ChangeVersion a{"a", 1000}, b{"b", 9000};
  EXPECT_EQ(resolve_conflict(prefer("c"), a, b), ConflictWinner::remote);
}

TEST(PeriodicConflict, BothSidesKeepTheSameVersion) {
  const std::vector<ConflictPolicy> policies{lww(), prefer("a"), prefer("b"), prefer("z")};
  const std::vector<std::string> nodes{"a", "b", "node-10", "node-9"};
  const std::vector<std::int64_t> times{0, 999, 1000, 1001};
  int cases = 0;
  for (const auto& p : policies)
    for (const auto& n1 : nodes)
      for (const auto& n2 : nodes)
        for (auto t1 : times)
          for (auto t2 : times) {
            if (n1 == n2) continue;  // a node's own changes never conflict
            ChangeVersion x{n1, t1}, y{n2, t2};
            auto from_x = kept(p, x, y), from_y = kept(p, y, x);
            EXPECT_EQ(from_x.origin, from_y.origin) << p.text() << " " << n1 << "@" << t1 << " vs " << n2 << "@" << t2;
            EXPECT_EQ(from_x.changed_at, from_y.changed_at);
            ++cases;
          }
  EXPECT_EQ(cases, 4 * 12 * 16);
}

TEST(PeriodicConflict, WinnerSpelling) {
  EXPECT_STREQ(to_string(ConflictWinner::local), "local");
  EXPECT_STREQ(to_string(ConflictWinner::remote), "remote");
}

}  // namespace
}  // namespace tandem
