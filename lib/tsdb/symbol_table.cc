#include "lib/tsdb/symbol_table.h"

#include <mutex>

namespace vigil::tsdb {

uint32_t SymbolTable::Ref(std::string_view s) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  return RefLocked(s);
}

void SymbolTable::RefAll(std::span<const std::string_view> strings,
                         uint32_t* ids) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (size_t i = 0; i < strings.size(); ++i) ids[i] = RefLocked(strings[i]);
}

uint32_t SymbolTable::RefLocked(std::string_view s) {
  if (auto it = ids_.find(s); it != ids_.end()) {
    ++entries_[it->second].refs;
    return it->second;
  }
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[id];
  e.text.assign(s);
  e.refs = 1;
  ids_.emplace(e.text, id);
  return id;
}

void SymbolTable::Unref(uint32_t id) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  UnrefLocked(id);
}

void SymbolTable::UnrefAll(std::span<const uint32_t> ids) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (uint32_t id : ids) UnrefLocked(id);
}

void SymbolTable::UnrefLocked(uint32_t id) {
  Entry& e = entries_[id];
  if (--e.refs > 0) return;
  ids_.erase(e.text);
  // Releases a long string's heap copy now rather than at the id's reuse.
  std::string().swap(e.text);
  free_ids_.push_back(id);
}

size_t SymbolTable::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ids_.size();
}

std::optional<uint32_t> SymbolTable::Reader::Find(std::string_view s) const {
  auto it = t_.ids_.find(s);
  if (it == t_.ids_.end()) return std::nullopt;
  return it->second;
}

}  // namespace vigil::tsdb
