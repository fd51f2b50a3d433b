#include "lib/tsdb/interned_labels.h"

#include <vector>

namespace vigil::tsdb {
namespace {

size_t VarintSize(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint8_t* PutVarint(uint8_t* p, uint32_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

// Only ever reads what PutVarint wrote, so no bounds are needed.
const uint8_t* GetVarint(const uint8_t* p, uint32_t* v) {
  uint32_t out = 0;
  for (int shift = 0;; shift += 7) {
    const uint8_t b = *p++;
    out |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (b < 0x80) break;
  }
  *v = out;
  return p;
}

// Walks the ids of an encoding: count() of them, in order.
class IdReader {
 public:
  explicit IdReader(const uint8_t* data) : p_(data) {
    if (p_ != nullptr) p_ = GetVarint(p_, &count_);
  }
  uint32_t count() const { return count_; }
  uint32_t Next() {
    uint32_t id;
    p_ = GetVarint(p_, &id);
    return id;
  }
  const uint8_t* position() const { return p_; }

 private:
  const uint8_t* p_;
  uint32_t count_ = 0;
};

}  // namespace

InternedLabels::InternedLabels(const Labels& labels, SymbolTable& symbols) {
  if (labels.empty()) return;
  std::vector<std::string_view> strings;
  strings.reserve(labels.size() * 2);
  for (const Label& l : labels) {
    strings.push_back(l.name);
    strings.push_back(l.value);
  }
  std::vector<uint32_t> ids(strings.size());
  symbols.RefAll(strings, ids.data());
  size_t size = VarintSize(static_cast<uint32_t>(ids.size()));
  for (uint32_t id : ids) size += VarintSize(id);
  data_ = std::make_unique_for_overwrite<uint8_t[]>(size);
  uint8_t* p = PutVarint(data_.get(), static_cast<uint32_t>(ids.size()));
  for (uint32_t id : ids) p = PutVarint(p, id);
}

void InternedLabels::Release(SymbolTable& symbols) {
  IdReader reader(data_.get());
  std::vector<uint32_t> ids(reader.count());
  for (uint32_t& id : ids) id = reader.Next();
  symbols.UnrefAll(ids);
  data_.reset();
}

Labels InternedLabels::ToLabels(const SymbolTable::Reader& symbols) const {
  IdReader ids(data_.get());
  std::vector<Label> out;
  out.reserve(ids.count() / 2);
  for (uint32_t i = 0; i + 1 < ids.count(); i += 2) {
    const std::string_view name = symbols.Lookup(ids.Next());
    const std::string_view value = symbols.Lookup(ids.Next());
    out.push_back({std::string(name), std::string(value)});
  }
  return Labels::FromVector(std::move(out));
}

bool InternedLabels::Equals(const Labels& labels,
                            const SymbolTable::Reader& symbols) const {
  IdReader ids(data_.get());
  if (ids.count() != labels.size() * 2) return false;
  for (const Label& l : labels) {
    if (symbols.Lookup(ids.Next()) != l.name) return false;
    if (symbols.Lookup(ids.Next()) != l.value) return false;
  }
  return true;
}

size_t InternedLabels::encoded_size() const {
  IdReader ids(data_.get());
  for (uint32_t i = 0; i < ids.count(); ++i) ids.Next();
  return data_ == nullptr ? 0
                          : static_cast<size_t>(ids.position() - data_.get());
}

}  // namespace vigil::tsdb
