// Helpers for decoding Prometheus config structures from yaml-cpp nodes as
// Go's YAML decoder does, with errors positioned as "file:line:col: ".
// Shared by every config decoder (relabel, discovery, scrape, the
// exporter's config). Internal: not installed.
#ifndef VIGIL_LIB_YAML_YAML_DECODE_H_
#define VIGIL_LIB_YAML_YAML_DECODE_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigil::yamlcfg {

// InvalidArgument "file:line:col: msg" at `node` (no position when the node
// has none).
absl::Status ErrorAt(std::string_view file, const YAML::Node& node,
                     std::string_view msg);

// Go yaml's "cannot unmarshal !!seq into relabel.plain" at `node`.
absl::Status UnmarshalError(std::string_view file, const YAML::Node& node,
                            std::string_view go_type);

// Go yaml's strict-mode error for a key not among `known`, naming the Go
// type as Prometheus's messages do ("field x not found in type
// relabel.plain"). `node` must be a map.
absl::Status CheckKnownFields(std::string_view file, const YAML::Node& node,
                              std::initializer_list<std::string_view> known,
                              std::string_view go_type);

// What decoding any Go struct starts with: `node` is a map (else
// UnmarshalError) whose keys are all among `known` (else CheckKnownFields's
// error).
absl::Status CheckStruct(std::string_view file, const YAML::Node& node,
                         std::initializer_list<std::string_view> known,
                         std::string_view go_type);

// Which Go decoder Prometheus reads a file with: yaml.v2 for the config,
// file_sd and promtool's unit tests; yaml.v3 for rule files.
enum class GoYaml { kV2, kV3 };

// The first YAML document read as yaml.v2 reads it (what follows it is
// ignored, as Go ignores it); a syntax error is "file:line:col: yaml: msg".
// A "," outside a flow collection is an error, as in LoadAllDocuments
// (yaml-cpp 0.7 would end the document there and load what came before;
// libyaml fails), even after an explicit "..." end, where Go stops reading.
// Merge keys ("<<") are already resolved in the returned tree, and a document
// of mostly aliases fails CheckAliasing.
absl::StatusOr<YAML::Node> LoadDocument(std::string_view yaml,
                                        std::string_view file);

// YAML::LoadAll, minus yaml-cpp 0.7's endless loop on a "," outside a flow
// collection (",\n", "- a\n,\n"): its parser then reports an empty
// document without consuming the token, again and again, and LoadAll
// collects them until memory runs out. A first pass over the events stops
// at a document that starts where the one before it did and fails there
// with "file:line:col: yaml: did not find expected node content" (libyaml's
// words). Other syntax errors throw YAML::Exception, as LoadAll does.
absl::StatusOr<std::vector<YAML::Node>> LoadAllDocuments(std::string_view yaml,
                                                         std::string_view file);

// Resolves YAML merge keys ("<<: *base", "<<: [*a, *b]") in place, as Go
// yaml does: earlier merged maps win over later ones; a map's own keys win
// over merged ones, except that yaml.v2 assigns in document order, so there
// a "<<" overrides the keys before it. yaml-cpp keeps "<<" as an ordinary
// key, so every loader calls this before decoding. A merge value that is not
// a map or a sequence of maps is an error at that value. Duplicate keys are
// refused first (CheckDuplicateKeys): merging would hide them.
absl::Status ResolveMergeKeys(std::string_view file, YAML::Node& root,
                              GoYaml version);

// Go's decoders refuse a mapping that repeats a key: yaml.v2's strict mode
// (the config, file_sd, web config and promtool's unit tests) with
// "file:line:col: key "a" already set in map", yaml.v3 (rule files) with
// "mapping key "a" already defined at line N", both at the second key.
// yaml.v2 compares the keys as strings (every map vigil decodes has string
// keys), yaml.v3 compares value and resolved tag. Merge keys ("<<") are not
// keys here.
absl::Status CheckDuplicateKeys(std::string_view file, const YAML::Node& root,
                                GoYaml version);

// yaml.v3's guard against alias bombs ("billion laughs"): yaml-cpp shares
// an aliased node instead of copying it, but whoever walks the tree visits
// it once per alias, so a few kilobytes of nested aliases can stand for
// billions of nodes. Counts the nodes of `root` as a walk would meet them
// (without walking them) and, like yaml.v3's decoder, fails with "file:
// yaml: document contains excessive aliasing" when more than 100 of more
// than 1000 come through aliases and their share passes 99% (falling to
// 10% from 400,000 to 4,000,000 nodes). Call it after ResolveMergeKeys,
// whose merged entries are aliases too.
absl::Status CheckAliasing(std::string_view file, const YAML::Node& root);

// What Go yaml resolves a plain scalar to (YAML 1.1 as gopkg.in/yaml.v2's
// resolve table has it): the short tag and the typed value.
struct ResolvedScalar {
  enum Kind { kNull, kBool, kInt, kUint, kFloat, kTimestamp, kString };
  Kind kind = kString;
  bool b = false;
  int64_t i = 0;   // kInt
  uint64_t u = 0;  // kUint: only above INT64_MAX, as Go resolves it
  double f = 0;    // kFloat
  std::string_view tag() const;
};
// Quoted or !!str-tagged scalars resolve as strings.
ResolvedScalar ResolveScalar(const YAML::Node& node);

// Go yaml's conversions of a scalar into a typed Go field; nullopt where
// Go reports "cannot unmarshal". Null is not handled here (callers decide
// what a null means). Floats truncate into integers as Go's do. Floats Go
// lets through only to convert them with an implementation-defined result
// (-Inf, 2^63 into int; 2^64, -1 and below into uint) are rejected here.
std::optional<bool> GoBool(const YAML::Node& node);
std::optional<int64_t> GoInt64(const YAML::Node& node);
std::optional<uint64_t> GoUint64(const YAML::Node& node);
std::optional<double> GoFloat64(const YAML::Node& node);

// Scalars as Go yaml decodes them; null decodes to the zero value.
absl::StatusOr<std::string> DecodeString(std::string_view file,
                                         const YAML::Node& node);
absl::StatusOr<bool> DecodeBool(std::string_view file, const YAML::Node& node);
absl::StatusOr<uint64_t> DecodeUint(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view go_type = "uint64");
absl::StatusOr<int64_t> DecodeInt64(std::string_view file,
                                    const YAML::Node& node,
                                    std::string_view go_type = "int");
absl::StatusOr<double> DecodeFloat(std::string_view file,
                                   const YAML::Node& node,
                                   std::string_view go_type = "float64");
absl::StatusOr<std::vector<std::string>> DecodeStringList(
    std::string_view file, const YAML::Node& node, std::string_view go_type);
// A Prometheus duration ("30s"); null is 0.
absl::StatusOr<int64_t> DecodeDurationMs(std::string_view file,
                                         const YAML::Node& node);

// A Go time.Duration field as yaml.v2 fills it: a string goes through
// time.ParseDuration, an integer is nanoseconds and a float truncates to
// them; null is 0. A string ParseDuration refuses is yaml.v2's "cannot
// unmarshal !!str `x` into time.Duration", not ParseDuration's error:
// yaml.v2 drops that error and reports the type mismatch.
absl::StatusOr<int64_t> DecodeGoDurationNs(std::string_view file,
                                           const YAML::Node& node);

// How Go yaml names a node in "cannot unmarshal !!str `x` into T": its tag,
// and a scalar's value, cut to "`abcdefg...`" past 10 bytes.
std::string DescribeForError(const YAML::Node& node);

// Reads the optional keys of one map in order, as Go yaml fills a struct:
// each call decodes map[key] into `dst` when the key is present and leaves
// `dst` as it was otherwise. The first error is kept and later calls do
// nothing, so status() names the first bad field.
class Fields {
 public:
  Fields(std::string_view file, const YAML::Node& map)
      : file_(file), map_(map) {}

  Fields& String(const char* key, std::string& dst) {
    return Custom(key, DecodeString, dst);
  }
  Fields& Bool(const char* key, bool& dst) {
    return Custom(key, DecodeBool, dst);
  }
  Fields& Uint(const char* key, uint64_t& dst) {
    return Custom(
        key,
        [](std::string_view file, const YAML::Node& n) {
          return DecodeUint(file, n);
        },
        dst);
  }
  Fields& DurationMs(const char* key, int64_t& dst) {
    return Custom(key, DecodeDurationMs, dst);
  }
  Fields& StringList(const char* key, std::string_view go_type,
                     std::vector<std::string>& dst) {
    return Custom(
        key,
        [go_type](std::string_view file, const YAML::Node& n) {
          return DecodeStringList(file, n, go_type);
        },
        dst);
  }
  // `decode(file, node)` returns absl::StatusOr<T>.
  template <typename T, typename Decode>
  Fields& Custom(const char* key, Decode decode, T& dst) {
    if (!status_.ok()) return *this;
    const YAML::Node n = map_[key];
    if (!n) return *this;
    absl::StatusOr<T> v = decode(file_, n);
    if (v.ok()) {
      dst = *std::move(v);
    } else {
      status_ = v.status();
    }
    return *this;
  }

  const absl::Status& status() const { return status_; }

 private:
  std::string_view file_;
  const YAML::Node map_;  // a handle: callers may pass a temporary
  absl::Status status_;
};

}  // namespace vigil::yamlcfg

#endif  // VIGIL_LIB_YAML_YAML_DECODE_H_
