// The tests' name for MemoryStorage, which lives in lib/memstore so that
// `vigil test rules` can use it too.
#ifndef VIGIL_TESTS_SUPPORT_MEMORY_STORAGE_H_
#define VIGIL_TESTS_SUPPORT_MEMORY_STORAGE_H_

#include "lib/memstore/memory_storage.h"

namespace vigil::testing {
using memstore::MemoryStorage;
}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_MEMORY_STORAGE_H_
