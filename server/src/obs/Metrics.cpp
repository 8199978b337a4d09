#include "obs/Metrics.h"

#include <cstdio>
#include <set>

namespace parley::obs {

Metrics& Metrics::instance() {
  static Metrics metrics;
  return metrics;
}

Metrics::Counter& Metrics::counter(std::string_view name, std::string_view help,
                                   std::string_view labels) {
  std::lock_guard lock(mutex_);
  for (auto& e : counters_)
    if (e.name == name && e.labels == labels) return e.counter;
  auto& e = counters_.emplace_back();
  e.name = name;
  e.help = help;
  e.labels = labels;
  return e.counter;
}

void Metrics::gauge(std::string_view name, std::string_view help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  for (auto& g : gauges_) {
    if (g.name == name) {
      g.read = std::move(read);
      return;
    }
  }
  gauges_.push_back(GaugeEntry{std::string(name), std::string(help), std::move(read)});
}

std::string Metrics::render() {
  std::lock_guard lock(mutex_);
  std::string out;
  std::set<std::string> described;
  // Group every family's samples under one HELP/TYPE header, as the format requires.
  for (const auto& e : counters_) {
    if (!described.insert(e.name).second) continue;
    out += "# HELP " + e.name + " " + e.help + "\n# TYPE " + e.name + " counter\n";
    for (const auto& s : counters_) {
      if (s.name != e.name) continue;
      out += s.name;
      if (!s.labels.empty()) out += "{" + s.labels + "}";
      out += " " + std::to_string(s.counter.value()) + "\n";
    }
  }
  for (const auto& g : gauges_) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", g.read ? g.read() : 0.0);
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    out += g.name + " " + buf + "\n";
  }
  return out;
}

}  // namespace parley::obs
