// Resolving a selector's matchers into series refs. Internal.
#ifndef VIGIL_LIB_TSDB_POSTINGS_FOR_MATCHERS_H_
#define VIGIL_LIB_TSDB_POSTINGS_FOR_MATCHERS_H_

#include "lib/tsdb/postings.h"
#include "vigil/matcher.h"

namespace vigil::tsdb {

// The refs of series satisfying every matcher, with Prometheus's treatment of
// the empty value: an absent label has the value "", so `a=""` selects series
// without `a`, `a!=""` those with it, and a regex that matches "" also
// selects series lacking the label. An empty matcher list selects nothing.
//
// Equality matchers are answered by lookups; regex matchers scan only the
// values of their label (plain alternations of literals become lookups).
PostingsList PostingsForMatchers(const MemPostings::Reader& index,
                                 const Matchers& matchers);

}  // namespace vigil::tsdb

#endif  // VIGIL_LIB_TSDB_POSTINGS_FOR_MATCHERS_H_
