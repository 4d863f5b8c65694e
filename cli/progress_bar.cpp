#include "cli/progress_bar.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cli/text.hpp"

namespace tandem::cli {
namespace {

using nlohmann::json;

constexpr int kMinBarCells = 10;
constexpr int kMaxBarCells = 40;

double number(const json& j, const char* key, double fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// " 42%": floor, so 99.6 never reads as done before the session is.
std::string percent_text(double percent) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%3d%%", static_cast<int>(std::floor(std::clamp(percent, 0.0, 100.0))));
  return buf;
}

std::string step_text(const ProgressFigures& p) {
  std::string s = p.step.empty() ? p.state : p.step;
  return p.stalled ? s + " (stalled)" : s;
}

// The optional figures, most useful last (they are dropped from the front).
std::vector<std::string> extras(const ProgressFigures& p) {
  std::vector<std::string> out;
  if (p.bytes_total > 0) out.push_back(human_bytes(p.bytes_done) + " / " + human_bytes(p.bytes_total));
  else if (p.bytes_done > 0) out.push_back(human_bytes(p.bytes_done));
  if (p.speed_bps > 0 && !is_finished(p)) out.push_back(human_bytes(p.speed_bps) + "/s");
  if (p.eta_s >= 0 && !is_finished(p)) out.push_back(human_duration(p.eta_s) + " left");
  return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, const char* sep) {
  std::string out;
  for (std::size_t i = from; i < parts.size(); ++i) out += (out.empty() ? "" : sep) + parts[i];
  return out;
}

std::string bar(double percent, int cells) {
  int full = static_cast<int>(std::floor(std::clamp(percent, 0.0, 100.0) / 100.0 * cells));
  std::string inner(static_cast<std::size_t>(full), '=');
  if (full < cells) inner += full > 0 ? ">" : " ";
  inner.resize(static_cast<std::size_t>(cells), ' ');
  return "[" + inner + "]";
}

}  // namespace

ProgressFigures read_progress(const json& j) {
  ProgressFigures p;
  if (!j.is_object()) return p;
  p.state = text(j, "state");
  p.phase = text(j, "phase");
  p.step = text(j, "currentStep");
  p.percent = number(j, "progress", 0);
  p.bytes_done = number(j, "bytesTransferred", 0);
  p.bytes_total = number(j, "totalBytes", 0);
  p.speed_bps = number(j, "transferSpeed", 0);
  p.eta_s = number(j, "estimatedTimeRemaining", -1);
  auto stalled = j.find("stalled");
  p.stalled = stalled != j.end() && stalled->is_boolean() && stalled->get<bool>();
  p.blocked_by = text(j, "blockedBy");
  p.error = text(j, "error");
  return p;
}

bool is_finished(const ProgressFigures& p) {
  return p.state == "succeeded" || p.state == "failed" || p.state == "cancelled";
}

std::string render_bar(const ProgressFigures& p, int width) {
  const int room = std::max(0, width - 1);
  const std::string head = percent_text(p.percent) + "  " + step_text(p);
  if (room < kMinBarCells + 4 + 8) return fit(percent_text(p.percent) + " " + step_text(p), room);

  // The bar's size depends on the width only, so it does not jump as the text changes.
  const int cells = std::clamp(room / 4, kMinBarCells, kMaxBarCells);
  const std::size_t text_room = static_cast<std::size_t>(room - cells - 4);  // "[" "]" and two spaces
  auto figures = extras(p);
  for (std::size_t drop = 0; drop < figures.size(); ++drop) {
    std::string tail = head + "  " + join(figures, drop, "  ");
    if (display_width(tail) <= text_room) return bar(p.percent, cells) + "  " + tail;
  }
  return bar(p.percent, cells) + "  " + fit(head, text_room);
}

std::string render_plain(const ProgressFigures& p) {
  std::string out = "[" + percent_text(p.percent) + "] " + step_text(p);
  auto figures = extras(p);
  if (!figures.empty()) out += "  " + join(figures, 0, ", ");
  return out;
}

}  // namespace tandem::cli
