#include <algorithm>

#include "promql/eval_types.h"

namespace vigil::promql {

void Annotations::Add(Annotation a) {
  bool seen = std::any_of(all_.begin(), all_.end(), [&](const Annotation& b) {
    return b.level == a.level && b.message == a.message &&
           b.pos.start == a.pos.start && b.pos.end == a.pos.end;
  });
  if (!seen) all_.push_back(std::move(a));
}

}  // namespace vigil::promql
