// The live progress of a full sync as one line of text, from the JSON of
// GET /api/sync/backup-progress. Pure: the caller says how wide the terminal is and
// decides when to print (with "\r" on a terminal, as plain lines elsewhere).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tandem::cli {

// The figures the CLI shows, read leniently: a missing or null field is 0 / "" / -1.
struct ProgressFigures {
  std::string state;  // queued, running, succeeded, failed, cancelled
  std::string phase;
  std::string step;   // currentStep: "Step 2 of 5: Transferring backup…"
  double percent = 0;
  double bytes_done = 0, bytes_total = 0;
  double speed_bps = 0;
  double eta_s = -1;  // -1: unknown
  bool stalled = false;
  std::string blocked_by;  // what another transaction's lock holds the phase up on ("" none)
  std::string error;
};

ProgressFigures read_progress(const nlohmann::json& progress);

// True for succeeded, failed and cancelled.
bool is_finished(const ProgressFigures& p);

// "[=========>          ]  42%  Step 2 of 5: Transferring backup…  12.3 MB / 40.0 MB
// 5.20 MB/s  12 s left", in at most width-1 columns (the last column would wrap on
// some terminals). The bar takes a quarter of the width (10 to 40 cells), whatever the
// text, so it keeps its size from one redraw to the next. When the text does not fit
// the rest, the bytes go first, then the speed, then the time left, then the step text
// is cut. Below 23 columns only the percent and the step are shown, cut to fit.
std::string render_bar(const ProgressFigures& p, int width);

// For logs and pipes, unbounded: "[ 42%] Step 2 of 5: Transferring backup…  12.3 MB /
// 40.0 MB, 5.20 MB/s, 12 s left".
std::string render_plain(const ProgressFigures& p);

}  // namespace tandem::cli
