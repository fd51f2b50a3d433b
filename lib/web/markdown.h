// The small Markdown subset the project's own documents use, rendered to
// HTML for the UI (the runbooks page): ATX headings with GitHub's anchor
// ids, paragraphs, fenced code blocks, `- ` lists, pipe tables, `code` and
// **bold**. Everything else is text, HTML-escaped: the output never holds
// markup the input did not ask for this way. Internal to vigil_web.
#ifndef VIGIL_LIB_WEB_MARKDOWN_H_
#define VIGIL_LIB_WEB_MARKDOWN_H_

#include <string>
#include <string_view>

namespace vigil::web {

// GitHub's heading anchor: lower case, spaces to '-', punctuation other
// than '-' and '_' dropped ("Pod Host-Path!" → "pod-host-path").
std::string HeadingAnchor(std::string_view heading);

// `markdown` as HTML; headings are shifted down by `heading_shift` levels
// (1: `#` becomes <h2>), so that a document sits under a page's own <h1>.
std::string RenderMarkdown(std::string_view markdown, int heading_shift = 0);

}  // namespace vigil::web

#endif  // VIGIL_LIB_WEB_MARKDOWN_H_
