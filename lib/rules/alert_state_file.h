// The alert state file: every alerting rule's alerts, written so that a
// restart of vigil does not lose them (`--state.file`). Internal to
// lib/rules; the public face is RuleManager::SaveState / LoadState
// (vigil/rules.h), which says what a restore does.
//
// Format, JSON, version 1 (times are Unix milliseconds; values are text so
// that NaN and ±Inf survive):
//
//   {"format": "vigil-alert-state", "version": 1, "saved_at_ms": 1700000000000,
//    "groups": [{"file": "rules.yml", "name": "node",
//      "evaluated_at_ms": 1699999990000,
//      "rules": [{"name": "HighLoad", "labels": {"severity": "page"},
//        "alerts": [{"labels": {"alertname": "HighLoad", ...},
//                    "annotations": {"summary": "..."},
//                    "state": "pending" | "firing" | "inactive",
//                    "value": "0.93", "active_at_ms": ..., "fired_at_ms": ...,
//                    "resolved_at_ms": ..., "keep_firing_since_ms": ...,
//                    "last_sent_at_ms": ..., "valid_until_ms": ...}]}]}]}
//
// A group's alerts are as of its last evaluation, `evaluated_at_ms` (0 if
// it never ran): a restore counts the downtime from there, as Prometheus
// counts it from the last ALERTS_FOR_STATE sample.
//
// A rule is named by its group's file and name, its own name and its label
// set (the identity Prometheus uses when it carries state over a reload);
// rules with the same identity in one group are matched in order. Every
// alerting rule is listed, even one without alerts: the file speaks for it.
//
// Everything read is untrusted: the size is capped, every field's type is
// checked, and an error names the file and the byte offset (syntax) or the
// field path (content) of the first problem. Nothing is applied unless the
// whole file is valid.
#ifndef VIGIL_LIB_RULES_ALERT_STATE_FILE_H_
#define VIGIL_LIB_RULES_ALERT_STATE_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "vigil/labels.h"
#include "vigil/rules.h"

namespace vigil::rules {

inline constexpr std::string_view kAlertStateFormat = "vigil-alert-state";
inline constexpr int64_t kAlertStateVersion = 1;
// Larger files are refused unread: the file is outside vigil's control.
inline constexpr size_t kMaxAlertStateFileBytes = size_t{256} << 20;

struct SavedRule {
  std::string name;
  Labels labels;  // the rule's own `labels:` (templates unexpanded)
  std::vector<Alert> alerts;
};

struct SavedGroup {
  std::string file;
  std::string name;
  int64_t evaluated_at_ms = 0;
  std::vector<SavedRule> rules;
};

struct SavedAlertState {
  int64_t saved_at_ms = 0;
  std::vector<SavedGroup> groups;
};

std::string EncodeAlertState(const SavedAlertState& state);
// `source` names the input in errors (the file path).
absl::StatusOr<SavedAlertState> DecodeAlertState(std::string_view json,
                                                 std::string_view source);

// Writes `data` to a temporary file beside `path`, fsyncs it, renames it
// over `path` and fsyncs the directory: readers see the old file or the new
// one, never a part. On failure the temporary file is removed and `path` is
// left as it was.
absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view data);
// The whole file; NotFound when it does not exist, OutOfRange when it is
// larger than `max_bytes`.
absl::StatusOr<std::string> ReadFileWithLimit(const std::string& path,
                                              size_t max_bytes);

// The alerts of every alerting rule of `groups` (their published
// snapshots, so safe while the groups evaluate).
SavedAlertState CaptureAlertState(
    const std::vector<std::shared_ptr<RuleGroup>>& groups, int64_t now_ms);

// Restores `state` into the matching rules of `groups`, which must not be
// evaluating, as of `now_ms` (see RuleManager::LoadState).
AlertStateLoadSummary ApplyAlertState(
    const SavedAlertState& state,
    const std::vector<std::shared_ptr<RuleGroup>>& groups, int64_t now_ms,
    int64_t outage_tolerance_ms, int64_t for_grace_period_ms);

}  // namespace vigil::rules

#endif  // VIGIL_LIB_RULES_ALERT_STATE_FILE_H_
