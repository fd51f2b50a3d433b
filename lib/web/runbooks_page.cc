// Runbooks: docs/runbooks.md, embedded in the binary and rendered, so that
// the bundled rule pack's runbook_url links
// ({{ $externalURL }}/runbooks#<alert>) open wherever vigil does, air-gapped
// clusters included, and follow its route prefix.
#include <string_view>

#include "lib/web/markdown.h"
#include "lib/web/pages.h"

// cmake/EmbedBinary.cmake's output for docs/runbooks.md.
extern const unsigned char vigil_web_runbooks_md[];
extern const unsigned long vigil_web_runbooks_md_size;

namespace vigil::web {

std::string RunbooksBody(const PageContext&) {
  const std::string_view text(
      reinterpret_cast<const char*>(vigil_web_runbooks_md),
      vigil_web_runbooks_md_size);
  // The document's own `#` title goes under the page's <h1>.
  return RenderMarkdown(text, /*heading_shift=*/1);
}

}  // namespace vigil::web
