// Reading a replay's Result (vigil/replay.h): the summary per alert and per
// severity, the comparison of two replays of the same data, and their text
// and JSON forms as `vigil replay` prints them.
//
// Counting: an instance is a label set of an alert; a firing is an episode
// that reached "firing"; its firing time runs from then to its resolution,
// or to the end of the range when it still fires there. Pending episodes
// that cleared before firing are counted apart ("pending only").
//
// Thread safety: pure functions.
#ifndef VIGIL_REPLAY_REPORT_H_
#define VIGIL_REPLAY_REPORT_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "vigil/replay.h"

namespace vigil::replay {

struct AlertSummary {
  std::string alertname;
  std::string severity;    // the instances' `severity` label; "" if none
  uint64_t instances = 0;  // label sets that fired
  uint64_t firings = 0;
  int64_t firing_ms = 0;
  uint64_t pending_only = 0;  // episodes that cleared before firing
};

// Per (alertname, severity), sorted; every alerting rule has a row, zeros
// included.
std::vector<AlertSummary> SummarizeAlerts(const Result& result);
// Per severity (alertname empty), sorted.
std::vector<AlertSummary> SummarizeSeverities(const Result& result);

// What changed for one alert between two replays.
struct AlertChange {
  std::string alertname;
  uint64_t firings_before = 0;
  uint64_t firings_after = 0;
  int64_t firing_ms_before = 0;
  int64_t firing_ms_after = 0;
  std::vector<Labels> no_longer_fire;  // fired before, never after
  std::vector<Labels> newly_fire;      // fired after, never before
};

// Every alert name of either replay, sorted; unchanged ones included.
std::vector<AlertChange> Compare(const Result& before, const Result& after);
inline bool Changed(const AlertChange& c) {
  return c.firings_before != c.firings_after ||
         c.firing_ms_before != c.firing_ms_after || !c.no_longer_fire.empty() ||
         !c.newly_fire.empty();
}

struct TextOptions {
  bool timeline = true;  // one block per instance before the summary
};

// The human form: header, timelines, the two summary tables, rule errors.
void PrintText(const Result& result, const TextOptions& options,
               std::ostream& out);
// "PodPrivilegedMode: 14 → 3 firings, 2 instances no longer fire: …", one
// line per changed alert, then how many did not change.
void PrintComparison(const std::vector<AlertChange>& changes,
                     std::ostream& out);

// JSON (one object; times RFC 3339, durations in seconds).
std::string ToJson(const Result& result);
std::string ToJson(const Result& before, const Result& after,
                   const std::vector<AlertChange>& changes);

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_REPORT_H_
