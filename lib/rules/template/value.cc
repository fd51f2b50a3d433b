#include "lib/rules/template/value.h"

namespace vigil::tmpl {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}
Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  return v;
}
Value Value::Html(std::string s) {
  Value v;
  v.kind_ = Kind::kHtml;
  v.s_ = std::move(s);
  return v;
}
Value Value::Map(std::shared_ptr<const StringMap> m) {
  Value v;
  v.kind_ = Kind::kStringMap;
  v.smap_ = std::move(m);
  return v;
}
Value Value::Args(std::shared_ptr<const AnyMap> m) {
  Value v;
  v.kind_ = Kind::kAnyMap;
  v.amap_ = std::move(m);
  return v;
}
Value Value::Samples(std::shared_ptr<const SampleList> s) {
  Value v;
  v.kind_ = Kind::kSamples;
  v.samples_ = std::move(s);
  return v;
}
Value Value::Sample(std::shared_ptr<const QuerySample> s) {
  Value v;
  v.kind_ = Kind::kSample;
  v.sample_ = std::move(s);
  return v;
}
Value Value::Time(int64_t unix_ms) {
  Value v;
  v.kind_ = Kind::kTime;
  v.i_ = unix_ms;
  return v;
}
Value Value::Duration(int64_t nanos) {
  Value v;
  v.kind_ = Kind::kDuration;
  v.i_ = nanos;
  return v;
}
Value Value::Data(std::shared_ptr<const TemplateData> d) {
  Value v;
  v.kind_ = Kind::kData;
  v.data_ = std::move(d);
  return v;
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kInvalid:
      return "<nil>";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float64";
    case Kind::kString:
      return "string";
    case Kind::kHtml:
      return "template.HTML";
    case Kind::kStringMap:
      return "map[string]string";
    case Kind::kAnyMap:
      return "map[string]interface {}";
    case Kind::kSamples:
      return "template.queryResult";
    case Kind::kSample:
      return "*template.sample";
    case Kind::kTime:
      return "*time.Time";
    case Kind::kDuration:
      return "*time.Duration";
    case Kind::kData:
      return "struct { Labels map[string]string; ExternalLabels "
             "map[string]string; ExternalURL string; Value interface {} }";
  }
  return "";
}

bool Value::Truth() const {
  switch (kind_) {
    case Kind::kInvalid:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return f_ != 0;
    case Kind::kString:
    case Kind::kHtml:
      return !s_.empty();
    case Kind::kStringMap:
    case Kind::kAnyMap:
    case Kind::kSamples:
      return Length() > 0;
    case Kind::kSample:
    case Kind::kTime:
    case Kind::kDuration:
    case Kind::kData:
      return true;  // non-nil pointers and structs
  }
  return false;
}

int64_t Value::Length() const {
  switch (kind_) {
    case Kind::kString:
    case Kind::kHtml:
      return static_cast<int64_t>(s_.size());
    case Kind::kStringMap:
      return static_cast<int64_t>(smap_->size());
    case Kind::kAnyMap:
      return static_cast<int64_t>(amap_->entries.size());
    case Kind::kSamples:
      return static_cast<int64_t>(samples_->size());
    default:
      return -1;
  }
}

}  // namespace vigil::tmpl
