#include "lib/web/markdown.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "lib/model/absl_compat.h"
#include "lib/web/html.h"

namespace vigil::web {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// `code` spans and **bold**, the rest escaped. An opening mark without its
// closing one is text.
void AppendInline(std::string* out, std::string_view s) {
  bool bold = false;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '`') {
      const size_t end = s.find('`', i + 1);
      if (end != std::string_view::npos) {
        Append(out, "<code>");
        AppendEscaped(out, s.substr(i + 1, end - i - 1));
        Append(out, "</code>");
        i = end + 1;
        continue;
      }
    } else if (s.compare(i, 2, "**") == 0 &&
               (bold || s.find("**", i + 2) != std::string_view::npos)) {
      Append(out, bold ? "</strong>" : "<strong>");
      bold = !bold;
      i += 2;
      continue;
    }
    AppendEscaped(out, s.substr(i, 1));
    ++i;
  }
  if (bold) Append(out, "</strong>");
}

// `| a | b |` → {"a", "b"}.
std::vector<std::string_view> TableCells(std::string_view line) {
  line = Trim(line);
  if (!line.empty() && line.front() == '|') line.remove_prefix(1);
  if (!line.empty() && line.back() == '|') line.remove_suffix(1);
  std::vector<std::string_view> cells;
  size_t start = 0;
  for (;;) {
    const size_t bar = line.find('|', start);
    cells.push_back(Trim(line.substr(start, bar - start)));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return cells;
}

bool IsTableSeparator(std::string_view line) {
  line = Trim(line);
  return !line.empty() && line.front() == '|' &&
         line.find_first_not_of("|-: ") == std::string_view::npos;
}

class Renderer {
 public:
  explicit Renderer(int heading_shift) : heading_shift_(heading_shift) {}

  std::string Run(std::string_view markdown) {
    std::vector<std::string_view> lines;
    for (absl::string_view line : absl::StrSplit(ToAbsl(markdown), '\n')) {
      lines.push_back(FromAbsl(line));
    }
    for (size_t i = 0; i < lines.size(); ++i) i = Block(lines, i);
    CloseParagraph();
    CloseList();
    return std::move(out_);
  }

 private:
  // Renders the block starting at lines[i]; returns the index of its last
  // line.
  size_t Block(const std::vector<std::string_view>& lines, size_t i) {
    const std::string_view line = lines[i];
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty()) {
      CloseParagraph();
      CloseList();
      return i;
    }
    if (trimmed.substr(0, 3) == "```") return Fence(lines, i);
    if (trimmed.front() == '#') {
      const size_t level = trimmed.find_first_not_of('#');
      if (level != std::string_view::npos && level <= 6 &&
          trimmed[level] == ' ') {
        Heading(static_cast<int>(level), Trim(trimmed.substr(level)));
        return i;
      }
    }
    if (trimmed.front() == '|' && i + 1 < lines.size() &&
        IsTableSeparator(lines[i + 1])) {
      return Table(lines, i);
    }
    if (trimmed.substr(0, 2) == "- ") {
      CloseParagraph();
      if (!in_list_) Append(&out_, "<ul>\n");
      in_list_ = true;
      Append(&out_, "<li>");
      AppendInline(&out_, trimmed.substr(2));
      Append(&out_, "</li>\n");
      return i;
    }
    if (in_list_ && (line.front() == ' ' || line.front() == '\t')) {
      // A list item's continuation line: appended to the item.
      out_.resize(out_.size() - std::string_view("</li>\n").size());
      Append(&out_, " ");
      AppendInline(&out_, trimmed);
      Append(&out_, "</li>\n");
      return i;
    }
    CloseList();
    // Inline marks may span lines: the paragraph is rendered whole.
    if (in_paragraph_) paragraph_ += '\n';
    in_paragraph_ = true;
    paragraph_.append(trimmed);
    return i;
  }

  size_t Fence(const std::vector<std::string_view>& lines, size_t i) {
    CloseParagraph();
    CloseList();
    Append(&out_, "<pre><code>");
    size_t j = i + 1;
    for (; j < lines.size() && Trim(lines[j]).substr(0, 3) != "```"; ++j) {
      AppendEscaped(&out_, lines[j]);
      Append(&out_, "\n");
    }
    Append(&out_, "</code></pre>\n");
    return std::min(j, lines.size() - 1);
  }

  void Heading(int level, std::string_view text) {
    CloseParagraph();
    CloseList();
    const int h = std::clamp(level + heading_shift_, 1, 6);
    Append(&out_, "<h", h, " id=\"", HtmlEscape(HeadingAnchor(text)), "\">");
    AppendInline(&out_, text);
    Append(&out_, "</h", h, ">\n");
  }

  size_t Table(const std::vector<std::string_view>& lines, size_t i) {
    CloseParagraph();
    CloseList();
    Append(&out_, "<table><thead>");
    Row(lines[i], "th");
    Append(&out_, "</thead><tbody>\n");
    size_t j = i + 2;
    for (; j < lines.size() && !Trim(lines[j]).empty() &&
           Trim(lines[j]).front() == '|';
         ++j) {
      Row(lines[j], "td");
      Append(&out_, "\n");
    }
    Append(&out_, "</tbody></table>\n");
    return j - 1;
  }

  // `<tr><td>a</td>…</tr>` of a table line; `cell_tag` is th or td.
  void Row(std::string_view line, std::string_view cell_tag) {
    Append(&out_, "<tr>");
    for (std::string_view cell : TableCells(line)) {
      Append(&out_, "<", cell_tag, ">");
      AppendInline(&out_, cell);
      Append(&out_, "</", cell_tag, ">");
    }
    Append(&out_, "</tr>");
  }

  void CloseParagraph() {
    if (in_paragraph_) {
      Append(&out_, "<p>");
      AppendInline(&out_, paragraph_);
      Append(&out_, "</p>\n");
    }
    paragraph_.clear();
    in_paragraph_ = false;
  }
  void CloseList() {
    if (in_list_) Append(&out_, "</ul>\n");
    in_list_ = false;
  }

  const int heading_shift_;
  std::string out_;
  std::string paragraph_;  // the open paragraph's lines
  bool in_paragraph_ = false;
  bool in_list_ = false;
};

}  // namespace

std::string HeadingAnchor(std::string_view heading) {
  std::string out;
  for (char c : heading) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_') {
      out += static_cast<char>(std::tolower(u));
    } else if (c == ' ') {
      out += '-';
    } else if (u >= 0x80) {
      out += c;  // GitHub keeps letters of other scripts
    }
  }
  return out;
}

std::string RenderMarkdown(std::string_view markdown, int heading_shift) {
  return Renderer(heading_shift).Run(markdown);
}

}  // namespace vigil::web
