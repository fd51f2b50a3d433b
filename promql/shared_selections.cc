#include "promql/shared_selections.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::promql {

SharedSelections::SharedSelections(
    std::function<bool(const VectorSelector&)> shareable)
    : impl_(std::make_unique<Impl>()) {
  impl_->shareable = std::move(shareable);
}

SharedSelections::~SharedSelections() = default;

void SharedSelections::Clear() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->selections.clear();
}

size_t SharedSelections::size() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->selections.size();
}

std::string SharedSelections::Impl::Key(const VectorSelector& vs,
                                        const eval::SelectRange& r, bool sorted,
                                        bool resolve_hints) {
  std::string key;
  for (const Matcher& m : vs.matchers) {
    // Printed with Go's quoting: no two matcher lists print the same.
    absl::StrAppend(&key, m.ToString(), "\xff");
  }
  absl::StrAppend(&key, r.mint, ",", r.maxt, sorted ? ",s" : ",u",
                  resolve_hints ? ",h" : "");
  return key;
}

SharedSelections::Impl::Selection SharedSelections::Impl::Find(
    const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu);
  auto it = selections.find(key);
  return it == selections.end() ? nullptr : it->second;
}

void SharedSelections::Impl::Put(std::string key, Selection s) {
  std::lock_guard<std::mutex> lock(mu);
  selections.try_emplace(std::move(key), std::move(s));
}

}  // namespace vigil::promql
