#include "cli/text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tandem::cli {

std::string human_bytes(double bytes) {
  if (!(bytes > 0)) return "0 B";
  static const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000 && u < 4) bytes /= 1000, ++u;
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  else std::snprintf(buf, sizeof buf, bytes < 10 ? "%.2f %s" : bytes < 100 ? "%.1f %s" : "%.0f %s",
                     bytes, units[u]);
  return buf;
}

std::string human_duration(double seconds) {
  if (!(seconds > 0)) seconds = 0;
  char buf[32];
  if (seconds < 1) {
    std::snprintf(buf, sizeof buf, "%.0f ms", seconds * 1000);
  } else if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.0f s", std::floor(seconds));
  } else if (seconds < 3600) {
    long s = static_cast<long>(seconds);
    std::snprintf(buf, sizeof buf, "%ld min %02ld s", s / 60, s % 60);
  } else {
    long m = static_cast<long>(seconds / 60);
    std::snprintf(buf, sizeof buf, "%ld h %02ld min", m / 60, m % 60);
  }
  return buf;
}

std::string short_time(const std::string& iso) {
  if (iso.size() < 19 || iso[10] != 'T') return iso;
  std::string out = iso.substr(0, 19);
  out[10] = ' ';
  return out;
}

namespace {
bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }
}  // namespace

std::size_t display_width(const std::string& utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += !continuation(c);
  return n;
}

std::string fit(const std::string& utf8, std::size_t width) {
  if (display_width(utf8) <= width) return utf8;
  if (width == 0) return "";
  // Keep width-1 code points, then the ellipsis.
  std::size_t cols = 0, i = 0;
  for (; i < utf8.size(); ++i) {
    if (continuation(static_cast<unsigned char>(utf8[i]))) continue;
    if (cols == width - 1) break;
    ++cols;
  }
  return utf8.substr(0, i) + "…";
}

std::string pad(const std::string& utf8, std::size_t width) {
  std::size_t w = display_width(utf8);
  return w >= width ? utf8 : utf8 + std::string(width - w, ' ');
}

std::string render_table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return "";
  const std::size_t ncols = rows.front().size();
  std::vector<std::size_t> widths(ncols, 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < ncols && c < r.size(); ++c)
      widths[c] = std::max(widths[c], display_width(r[c]));
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < ncols; ++c) {
      const std::string cell = c < r.size() ? r[c] : "";
      line += c + 1 == ncols ? cell : pad(cell, widths[c]) + "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace tandem::cli
