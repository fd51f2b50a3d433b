#include "lib/rules/alert_state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lib/rules/alerting_rule.h"

namespace vigil::rules {
namespace {

using Json = nlohmann::ordered_json;

// ---- Encoding --------------------------------------------------------------

// Prometheus's spelling of the special values; otherwise the shortest text
// that reads back to the same double.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

Json LabelsToJson(const Labels& labels) {
  Json out = Json::object();
  for (const Label& l : labels) out[l.name] = l.value;
  return out;
}

Json AlertToJson(const Alert& a) {
  Json annotations = Json::object();
  for (const Label& l : a.annotations) annotations[l.name] = l.value;
  return Json{{"labels", LabelsToJson(a.labels)},
              {"annotations", std::move(annotations)},
              {"state", std::string(AlertStateName(a.state))},
              {"value", FormatValue(a.value)},
              {"active_at_ms", a.active_at_ms},
              {"fired_at_ms", a.fired_at_ms},
              {"resolved_at_ms", a.resolved_at_ms},
              {"keep_firing_since_ms", a.keep_firing_since_ms},
              {"last_sent_at_ms", a.last_sent_at_ms},
              {"valid_until_ms", a.valid_until_ms}};
}

// ---- Decoding --------------------------------------------------------------

// Walks the parsed document; every error names the source and the path of
// the offending field, e.g. `state.json: groups[0].rules[2].alerts[1].state:
// unknown alert state "firin"`.
class Decoder {
 public:
  explicit Decoder(std::string_view source) : source_(source) {}

  absl::Status Error(const std::string& path, const std::string& what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(source_, ": ", path, path.empty() ? "" : ": ", what));
  }

  // `j[key]` of `obj`, which must be an object, or an error.
  absl::StatusOr<const Json*> Field(const Json& obj, const std::string& path,
                                    const char* key) const {
    if (!obj.is_object()) return Error(path, "expected an object");
    auto it = obj.find(key);
    if (it == obj.end()) {
      return Error(path, absl::StrCat("missing field \"", key, "\""));
    }
    return &*it;
  }

  absl::Status String(const Json& obj, const std::string& path, const char* key,
                      std::string* out) const {
    auto f = Field(obj, path, key);
    if (!f.ok()) return f.status();
    if (!(*f)->is_string()) {
      return Error(Join(path, key), "expected a string");
    }
    *out = (*f)->get<std::string>();
    return absl::OkStatus();
  }

  absl::Status Int(const Json& obj, const std::string& path, const char* key,
                   int64_t* out) const {
    auto f = Field(obj, path, key);
    if (!f.ok()) return f.status();
    const Json& v = **f;
    if (v.is_number_unsigned()) {
      if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
        return Error(Join(path, key), "integer out of range");
      }
      *out = static_cast<int64_t>(v.get<uint64_t>());
      return absl::OkStatus();
    }
    if (!v.is_number_integer()) {
      return Error(Join(path, key), "expected an integer");
    }
    *out = v.get<int64_t>();
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<Label>> Pairs(const Json& obj,
                                           const std::string& path,
                                           const char* key) const {
    auto f = Field(obj, path, key);
    if (!f.ok()) return f.status();
    const std::string where = Join(path, key);
    if (!(*f)->is_object()) return Error(where, "expected an object");
    std::vector<Label> out;
    for (auto it = (*f)->begin(); it != (*f)->end(); ++it) {
      if (it.key().empty()) return Error(where, "empty label name");
      if (!it.value().is_string()) {
        return Error(absl::StrCat(where, ".", it.key()), "expected a string");
      }
      out.push_back({it.key(), it.value().get<std::string>()});
    }
    return out;
  }

  absl::StatusOr<const Json*> Array(const Json& obj, const std::string& path,
                                    const char* key) const {
    auto f = Field(obj, path, key);
    if (!f.ok()) return f.status();
    if (!(*f)->is_array()) return Error(Join(path, key), "expected an array");
    return *f;
  }

  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key)
                        : absl::StrCat(path, ".", std::string(key));
  }
  static std::string Index(const std::string& path, size_t i) {
    return absl::StrCat(path, "[", i, "]");
  }

 private:
  std::string source_;
};

absl::StatusOr<double> ParseValue(std::string_view s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) {
    return absl::InvalidArgumentError("");
  }
  return v;
}

absl::StatusOr<AlertState> ParseState(std::string_view s) {
  for (AlertState st :
       {AlertState::kInactive, AlertState::kPending, AlertState::kFiring}) {
    if (AlertStateName(st) == s) return st;
  }
  return absl::InvalidArgumentError("");
}

absl::StatusOr<Alert> DecodeAlert(const Decoder& d, const Json& j,
                                  const std::string& path,
                                  const std::string& rule_name) {
  if (!j.is_object()) return d.Error(path, "expected an object");
  Alert a;
  auto labels = d.Pairs(j, path, "labels");
  if (!labels.ok()) return labels.status();
  a.labels = Labels::FromVector(std::move(*labels));
  if (a.labels.Get(kAlertNameLabel) != rule_name) {
    return d.Error(Decoder::Join(path, "labels"),
                   absl::StrCat("alertname is not \"", rule_name, "\""));
  }
  auto annotations = d.Pairs(j, path, "annotations");
  if (!annotations.ok()) return annotations.status();
  a.annotations = std::move(*annotations);

  std::string text;
  if (auto s = d.String(j, path, "state", &text); !s.ok()) return s;
  auto state = ParseState(text);
  if (!state.ok()) {
    return d.Error(Decoder::Join(path, "state"),
                   absl::StrCat("unknown alert state \"", text, "\""));
  }
  a.state = *state;
  if (auto s = d.String(j, path, "value", &text); !s.ok()) return s;
  auto value = ParseValue(text);
  if (!value.ok()) {
    return d.Error(Decoder::Join(path, "value"),
                   absl::StrCat("invalid number \"", text, "\""));
  }
  a.value = *value;
  const std::pair<const char*, int64_t*> times[] = {
      {"active_at_ms", &a.active_at_ms},
      {"fired_at_ms", &a.fired_at_ms},
      {"resolved_at_ms", &a.resolved_at_ms},
      {"keep_firing_since_ms", &a.keep_firing_since_ms},
      {"last_sent_at_ms", &a.last_sent_at_ms},
      {"valid_until_ms", &a.valid_until_ms},
  };
  for (const auto& [key, out] : times) {
    if (auto s = d.Int(j, path, key, out); !s.ok()) return s;
  }
  return a;
}

absl::StatusOr<SavedRule> DecodeRule(const Decoder& d, const Json& j,
                                     const std::string& path) {
  SavedRule r;
  if (auto s = d.String(j, path, "name", &r.name); !s.ok()) return s;
  auto labels = d.Pairs(j, path, "labels");
  if (!labels.ok()) return labels.status();
  r.labels = Labels::FromVector(std::move(*labels));
  auto alerts = d.Array(j, path, "alerts");
  if (!alerts.ok()) return alerts.status();
  absl::flat_hash_set<uint64_t> seen;
  for (size_t i = 0; i < (*alerts)->size(); ++i) {
    const std::string where = Decoder::Index(Decoder::Join(path, "alerts"), i);
    auto a = DecodeAlert(d, (**alerts)[i], where, r.name);
    if (!a.ok()) return a.status();
    if (!seen.insert(a->labels.Hash()).second) {
      return d.Error(where,
                     absl::StrCat("duplicate alert ", a->labels.ToString()));
    }
    r.alerts.push_back(std::move(*a));
  }
  return r;
}

absl::StatusOr<SavedGroup> DecodeGroup(const Decoder& d, const Json& j,
                                       const std::string& path) {
  SavedGroup g;
  if (auto s = d.String(j, path, "file", &g.file); !s.ok()) return s;
  if (auto s = d.String(j, path, "name", &g.name); !s.ok()) return s;
  if (auto s = d.Int(j, path, "evaluated_at_ms", &g.evaluated_at_ms); !s.ok()) {
    return s;
  }
  auto rules = d.Array(j, path, "rules");
  if (!rules.ok()) return rules.status();
  for (size_t i = 0; i < (*rules)->size(); ++i) {
    auto r = DecodeRule(d, (**rules)[i],
                        Decoder::Index(Decoder::Join(path, "rules"), i));
    if (!r.ok()) return r.status();
    g.rules.push_back(std::move(*r));
  }
  return g;
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes a descriptor on every path out of a function.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string EncodeAlertState(const SavedAlertState& state) {
  Json groups = Json::array();
  for (const SavedGroup& g : state.groups) {
    Json rules = Json::array();
    for (const SavedRule& r : g.rules) {
      Json alerts = Json::array();
      for (const Alert& a : r.alerts) alerts.push_back(AlertToJson(a));
      rules.push_back(Json{{"name", r.name},
                           {"labels", LabelsToJson(r.labels)},
                           {"alerts", std::move(alerts)}});
    }
    groups.push_back(Json{{"file", g.file},
                          {"name", g.name},
                          {"evaluated_at_ms", g.evaluated_at_ms},
                          {"rules", std::move(rules)}});
  }
  Json doc = {{"format", std::string(kAlertStateFormat)},
              {"version", kAlertStateVersion},
              {"saved_at_ms", state.saved_at_ms},
              {"groups", std::move(groups)}};
  // Label values are not guaranteed UTF-8; replacing bad bytes beats
  // failing the whole save.
  return doc.dump(1, ' ', false, Json::error_handler_t::replace) + "\n";
}

absl::StatusOr<SavedAlertState> DecodeAlertState(std::string_view text,
                                                 std::string_view source) {
  const Decoder d(source);
  // Abseil 20220623's StrCat takes absl::string_view, not std::string_view.
  const std::string src(source);
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line
    // 1, column 5: …"; the bracketed id says nothing to an operator.
    std::string what = e.what();
    if (size_t close = what.find("] "); close != std::string::npos) {
      what = what.substr(close + 2);
    }
    return absl::InvalidArgumentError(
        absl::StrCat(src, ": byte ", e.byte, ": ", what));
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(src, ": ", e.what()));
  }
  if (!doc.is_object()) return d.Error("", "expected a JSON object");
  std::string format;
  if (auto s = d.String(doc, "", "format", &format); !s.ok()) return s;
  if (format != kAlertStateFormat) {
    return d.Error("format", absl::StrCat("not a vigil alert state file (\"",
                                          format, "\")"));
  }
  int64_t version = 0;
  if (auto s = d.Int(doc, "", "version", &version); !s.ok()) return s;
  if (version != kAlertStateVersion) {
    return d.Error("version", absl::StrCat("unsupported version ", version,
                                           " (this vigil reads version ",
                                           kAlertStateVersion, ")"));
  }
  SavedAlertState state;
  if (auto s = d.Int(doc, "", "saved_at_ms", &state.saved_at_ms); !s.ok()) {
    return s;
  }
  auto groups = d.Array(doc, "", "groups");
  if (!groups.ok()) return groups.status();
  for (size_t i = 0; i < (*groups)->size(); ++i) {
    auto g = DecodeGroup(d, (**groups)[i], Decoder::Index("groups", i));
    if (!g.ok()) return g.status();
    state.groups.push_back(std::move(*g));
  }
  return state;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 std::string_view data) {
  // The temporary file sits in the same directory, so rename() is atomic.
  std::string tmp = path + ".tmp.XXXXXX";
  Fd fd{::mkstemp(tmp.data())};
  if (fd.fd < 0) {
    return absl::InternalError(absl::StrCat("creating a temporary file for ",
                                            path, ": ", ErrnoText(errno)));
  }
  auto fail = [&](std::string_view what) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::InternalError(
        absl::StrCat(std::string(what), " ", tmp, ": ", ErrnoText(err)));
  };
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("writing");
    }
    done += static_cast<size_t>(n);
  }
  // mkstemp creates 0600; the file holds no secrets, so make it readable
  // as a normal file would be (before the umask).
  if (::fchmod(fd.fd, 0644) != 0) return fail("setting the mode of");
  if (::fsync(fd.fd) != 0) return fail("syncing");
  const int closed = ::close(fd.fd);
  fd.fd = -1;
  if (closed != 0) return fail("closing");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("renaming");
  // Make the rename itself durable.
  const size_t slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : path.substr(0, slash + 1);
  Fd dir_fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir_fd.fd >= 0) (void)::fsync(dir_fd.fd);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileWithLimit(const std::string& path,
                                              size_t max_bytes) {
  Fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) {
    const std::string msg =
        absl::StrCat("opening ", path, ": ", ErrnoText(errno));
    return errno == ENOENT ? absl::NotFoundError(msg)
                           : absl::InternalError(msg);
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) {
    return absl::InternalError(
        absl::StrCat("reading ", path, ": ", ErrnoText(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a regular file"));
  }
  auto too_large = [&] {
    return absl::OutOfRangeError(
        absl::StrCat(path, ": larger than the limit of ", max_bytes, " bytes"));
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
  // The size may change under us; never read past the limit.
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (true) {
    if (done == out.size()) {
      if (out.size() > max_bytes) return too_large();
      out.resize(std::min(max_bytes + 1, out.size() + 4096));
    }
    const ssize_t n = ::read(fd.fd, out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(
          absl::StrCat("reading ", path, ": ", ErrnoText(errno)));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

SavedAlertState CaptureAlertState(
    const std::vector<std::shared_ptr<RuleGroup>>& groups, int64_t now_ms) {
  SavedAlertState state;
  state.saved_at_ms = now_ms;
  for (const auto& g : groups) {
    SavedGroup saved{g->file(), g->name(), g->last_eval_ms(), {}};
    for (const auto& r : g->rules()) {
      if (!r->is_alert()) continue;
      saved.rules.push_back({r->name(), r->spec().labels, r->alerts()});
    }
    state.groups.push_back(std::move(saved));
  }
  return state;
}

AlertStateLoadSummary ApplyAlertState(
    const SavedAlertState& state,
    const std::vector<std::shared_ptr<RuleGroup>>& groups, int64_t now_ms,
    int64_t outage_tolerance_ms, int64_t for_grace_period_ms) {
  AlertStateLoadSummary summary;
  summary.saved_at_ms = state.saved_at_ms;
  std::map<std::pair<std::string, std::string>, RuleGroup*> by_name;
  for (const auto& g : groups) by_name[{g->file(), g->name()}] = g.get();

  for (const SavedGroup& saved_group : state.groups) {
    auto g = by_name.find({saved_group.file, saved_group.name});
    if (g == by_name.end()) {
      summary.rules_unmatched += static_cast<int>(saved_group.rules.size());
      continue;
    }
    // Prometheus's "down at": the last evaluation that wrote the state.
    const int64_t down_at = saved_group.evaluated_at_ms > 0
                                ? saved_group.evaluated_at_ms
                                : state.saved_at_ms;
    // As on reload (RuleGroup::CopyStateFrom): rules match by name and
    // labels, the n-th saved one to the n-th current one.
    auto key = [](const std::string& name, const Labels& labels) {
      return absl::StrCat(name, "\xff", labels.ToString());
    };
    absl::flat_hash_map<std::string, std::vector<AlertingRule*>> current;
    for (const auto& r : g->second->rules()) {
      if (!r->is_alert()) continue;
      current[key(r->name(), r->spec().labels)].push_back(
          static_cast<AlertingRule*>(r.get()));
    }
    for (const SavedRule& saved : saved_group.rules) {
      auto it = current.find(key(saved.name, saved.labels));
      if (it == current.end() || it->second.empty()) {
        ++summary.rules_unmatched;
        continue;
      }
      AlertingRule* rule = it->second.front();
      it->second.erase(it->second.begin());
      const int kept =
          rule->RestoreSavedAlerts(saved.alerts, down_at, now_ms,
                                   outage_tolerance_ms, for_grace_period_ms);
      ++summary.rules_restored;
      summary.alerts_restored += kept;
      summary.alerts_dropped += static_cast<int>(saved.alerts.size()) - kept;
    }
  }
  return summary;
}

}  // namespace vigil::rules
