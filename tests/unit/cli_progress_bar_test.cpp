// The live progress line: it fits the terminal at every width, drops the least useful
// figures first, and never shows "done" before the session is.
#include <gtest/gtest.h>

#include <algorithm>

#include "cli/progress_bar.hpp"
#include "cli/text.hpp"

namespace tandem::cli {
namespace {

using nlohmann::json;

json transfer_progress() {
  return {{"sessionId", "fs-1"}, {"phase", "transfer"}, {"step", 2}, {"totalSteps", 5},
          {"progress", 42.7}, {"bytesTransferred", 12300000}, {"totalBytes", 40000000},
          {"transferSpeed", 5200000}, {"estimatedTimeRemaining", 12},
          {"currentStep", "Step 2 of 5: Transferring backup…"}, {"state", "running"},
          {"stalled", false}, {"error", nullptr}};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The cells inside [ ]: how many are filled.
std::pair<std::size_t, std::size_t> bar_fill(const std::string& line) {
  auto open = line.find('['), close = line.find(']');
  std::string inner = line.substr(open + 1, close - open - 1);
  return {static_cast<std::size_t>(std::count(inner.begin(), inner.end(), '=')), inner.size()};
}

TEST(CliProgressBar, ReadsTheApiShapeLeniently) {
  auto p = read_progress(transfer_progress());
  EXPECT_EQ(p.state, "running");
  EXPECT_EQ(p.phase, "transfer");
  EXPECT_DOUBLE_EQ(p.percent, 42.7);
  EXPECT_DOUBLE_EQ(p.bytes_total, 40000000);
  EXPECT_DOUBLE_EQ(p.eta_s, 12);
  auto empty = read_progress(json{{"estimatedTimeRemaining", nullptr}, {"progress", "x"}});
  EXPECT_DOUBLE_EQ(empty.eta_s, -1);
  EXPECT_DOUBLE_EQ(empty.percent, 0);
  EXPECT_FALSE(is_finished(empty));
  EXPECT_TRUE(is_finished(read_progress(json{{"state", "cancelled"}})));
}

TEST(CliProgressBar, WideTerminalShowsEverything) {
  std::string line = render_bar(read_progress(transfer_progress()), 120);
  EXPECT_TRUE(has(line, " 42%")) << line;
  EXPECT_TRUE(has(line, "Step 2 of 5: Transferring backup…")) << line;
  EXPECT_TRUE(has(line, "12.3 MB / 40.0 MB")) << line;
  EXPECT_TRUE(has(line, "5.20 MB/s")) << line;
  EXPECT_TRUE(has(line, "12 s left")) << line;
  EXPECT_EQ(bar_fill(line).second, 29u) << "a quarter of the room: " << line;
  EXPECT_EQ(bar_fill(render_bar(read_progress(transfer_progress()), 300)).second, 40u) << "at most 40 cells";
}

TEST(CliProgressBar, BarKeepsItsSizeWhateverTheText) {
  json j = transfer_progress();
  std::size_t cells = bar_fill(render_bar(read_progress(j), 100)).second;
  j["currentStep"] = "Done";
  j["state"] = "succeeded";
  EXPECT_EQ(bar_fill(render_bar(read_progress(j), 100)).second, cells);
}

TEST(CliProgressBar, FitsEveryWidth) {
  auto p = read_progress(transfer_progress());
  for (int width = 1; width <= 200; ++width) {
    std::string line = render_bar(p, width);
    EXPECT_LE(display_width(line), static_cast<std::size_t>(std::max(0, width - 1))) << width << ": " << line;
    if (width >= 8) {
      EXPECT_TRUE(has(line, "42%")) << width << ": " << line;
    }
  }
}

TEST(CliProgressBar, NarrowTerminalDropsBytesThenSpeedThenTimeLeft) {
  auto p = read_progress(transfer_progress());
  std::string at100 = render_bar(p, 100);
  EXPECT_FALSE(has(at100, "40.0 MB")) << at100;
  EXPECT_TRUE(has(at100, "MB/s") && has(at100, "12 s left")) << at100;
  std::string at80 = render_bar(p, 80);
  EXPECT_FALSE(has(at80, "MB/s")) << at80;
  EXPECT_TRUE(has(at80, "12 s left")) << at80;
  std::string at70 = render_bar(p, 70);
  EXPECT_FALSE(has(at70, "left")) << at70;
  EXPECT_TRUE(has(at70, "Step 2 of 5: Transferring backup…")) << "the whole step text: " << at70;
  std::string at40 = render_bar(p, 40);
  EXPECT_FALSE(has(at40, "left")) << at40;
  EXPECT_TRUE(has(at40, "…")) << "the step text is cut: " << at40;
  EXPECT_EQ(bar_fill(at40).second, 10u) << at40;
}

TEST(CliProgressBar, FillFollowsThePercentAndNeverReadsDoneEarly) {
  json j = transfer_progress();
  for (double pct : {0.0, 25.0, 50.0, 99.6, 100.0}) {
    j["progress"] = pct;
    std::string line = render_bar(read_progress(j), 120);
    auto [filled, cells] = bar_fill(line);
    EXPECT_EQ(filled, static_cast<std::size_t>(pct / 100.0 * cells)) << line;
  }
  j["progress"] = 99.6;
  EXPECT_TRUE(has(render_bar(read_progress(j), 120), " 99%"));
  j["progress"] = 150;  // out of range never overflows the bar
  auto [filled, cells] = bar_fill(render_bar(read_progress(j), 120));
  EXPECT_EQ(filled, cells);
}

TEST(CliProgressBar, FinishedSessionsShowNoSpeedOrTimeLeft) {
  json j = transfer_progress();
  j["state"] = "succeeded";
  j["progress"] = 100;
  j["currentStep"] = "Done";
  std::string line = render_plain(read_progress(j));
  EXPECT_EQ(line, "[100%] Done  12.3 MB / 40.0 MB");
}

TEST(CliProgressBar, PlainLineHasEveryFigureAndMarksStalls) {
  json j = transfer_progress();
  EXPECT_EQ(render_plain(read_progress(j)),
            "[ 42%] Step 2 of 5: Transferring backup…  12.3 MB / 40.0 MB, 5.20 MB/s, 12 s left");
  j["stalled"] = true;
  j["transferSpeed"] = 0;
  j["estimatedTimeRemaining"] = nullptr;
  EXPECT_EQ(render_plain(read_progress(j)),
            "[ 42%] Step 2 of 5: Transferring backup… (stalled)  12.3 MB / 40.0 MB");
  EXPECT_EQ(read_progress(j).blocked_by, "");
  j["blockedBy"] = "restore waits for a lock held by process 7";
  EXPECT_EQ(read_progress(j).blocked_by, "restore waits for a lock held by process 7");
}

}  // namespace
}  // namespace tandem::cli
