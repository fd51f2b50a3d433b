// The dynamic values a template computes with: the handful of Go types that
// Prometheus's alert templates can produce (reflect.Value's role in Go).
#ifndef VIGIL_LIB_RULES_TEMPLATE_VALUE_H_
#define VIGIL_LIB_RULES_TEMPLATE_VALUE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/rules/template/template.h"

namespace vigil::tmpl {

enum class Kind : uint8_t {
  kInvalid,    // Go's invalid reflect.Value: prints "<no value>"
  kBool,       // bool
  kInt,        // int (untyped integer constants, len, indexes)
  kFloat,      // float64
  kString,     // string
  kHtml,       // html/template.HTML (safeHtml)
  kStringMap,  // map[string]string (.Labels, sample labels)
  kAnyMap,     // map[string]interface {} (args)
  kSamples,    // template.queryResult
  kSample,     // *template.sample
  kTime,       // *time.Time (toTime); i = Unix milliseconds
  kDuration,   // *time.Duration (toDuration); i = nanoseconds
  kData,       // the alert data struct
};

class Value;
using StringMap = std::map<std::string, std::string>;
struct AnyMap;
using SampleList = std::vector<std::shared_ptr<const QuerySample>>;

class Value {
 public:
  Value() = default;
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Float(double f);
  static Value String(std::string s);
  static Value Html(std::string s);
  static Value Map(std::shared_ptr<const StringMap> m);
  static Value Args(std::shared_ptr<const AnyMap> m);
  static Value Samples(std::shared_ptr<const SampleList> s);
  static Value Sample(std::shared_ptr<const QuerySample> s);
  static Value Time(int64_t unix_ms);
  static Value Duration(int64_t nanos);
  static Value Data(std::shared_ptr<const TemplateData> d);

  Kind kind() const { return kind_; }
  bool valid() const { return kind_ != Kind::kInvalid; }
  bool b() const { return b_; }
  int64_t i() const { return i_; }
  double f() const { return f_; }
  const std::string& s() const { return s_; }
  const StringMap& string_map() const { return *smap_; }
  const AnyMap& any_map() const { return *amap_; }
  const SampleList& samples() const { return *samples_; }
  const QuerySample& sample() const { return *sample_; }
  const TemplateData& data() const { return *data_; }
  const std::shared_ptr<const TemplateData>& data_ptr() const { return data_; }

  // Go's reflect type name, as error messages and %T print it.
  std::string_view TypeName() const;
  // Go's truth (text/template isTrue): false for zero values and empty
  // collections; invalid values are false.
  bool Truth() const;
  // Number of elements for len/range; -1 when the kind has no length.
  int64_t Length() const;

 private:
  Kind kind_ = Kind::kInvalid;
  bool b_ = false;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
  std::shared_ptr<const StringMap> smap_;
  std::shared_ptr<const AnyMap> amap_;
  std::shared_ptr<const SampleList> samples_;
  std::shared_ptr<const QuerySample> sample_;
  std::shared_ptr<const TemplateData> data_;
};

struct AnyMap {
  std::map<std::string, Value> entries;
};

}  // namespace vigil::tmpl

#endif  // VIGIL_LIB_RULES_TEMPLATE_VALUE_H_
