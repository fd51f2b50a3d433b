// JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one
// <testsuite> per test file, one <testcase> per test group, as promtool's
// --junit writes it; a file that could not be run gets an <error>.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "vigil/ruletest.h"

namespace vigil::ruletest {
namespace {

// In attributes, newlines are written as references so that parsers do
// not normalise them to spaces.
std::string Escape(std::string_view s, bool attribute = false) {
  std::string out;
  for (char c : s) {
    if (attribute && c == '\n') {
      out += "&#10;";
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, ANSI escapes included.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' &&
            c != '\r') {
          break;
        }
        out.push_back(c);
    }
  }
  return out;
}

std::string FailureText(const Failure& f) {
  return f.diff.empty() ? f.promtool_text
                        : absl::StrCat(f.promtool_text, "\n", f.diff);
}

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", s);
  return buf;
}

}  // namespace

std::string JUnitXml(const std::vector<FileResult>& results) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const FileResult& r : results) {
    int failures = 0, errors = r.file_errors.empty() ? 0 : 1;
    double seconds = 0;
    for (const TestGroupResult& g : r.groups) {
      seconds += g.seconds;
      bool bad = false, failed = false;
      for (const Failure& f : g.failures) (f.bad_input ? bad : failed) = true;
      if (bad) {
        ++errors;
      } else if (failed) {
        ++failures;
      }
    }
    const size_t tests = r.groups.size() + (r.file_errors.empty() ? 0 : 1);
    absl::StrAppend(&out, "  <testsuite name=\"", Escape(r.file), "\" tests=\"",
                    tests, "\" failures=\"", failures, "\" errors=\"", errors,
                    "\" skipped=\"0\" time=\"", Seconds(seconds), "\">\n");
    if (!r.file_errors.empty()) {
      absl::StrAppend(&out, "    <testcase name=\"", Escape(r.file),
                      "\" classname=\"", Escape(r.file), "\">\n");
      for (const Failure& f : r.file_errors) {
        absl::StrAppend(&out, "      <error message=\"",
                        Escape(f.promtool_text, true), "\">",
                        Escape(FailureText(f)), "</error>\n");
      }
      out += "    </testcase>\n";
    }
    for (const TestGroupResult& g : r.groups) {
      absl::StrAppend(&out, "    <testcase name=\"", Escape(g.name),
                      "\" classname=\"", Escape(r.file), "\" time=\"",
                      Seconds(g.seconds), "\"");
      if (g.failures.empty()) {
        out += "/>\n";
        continue;
      }
      out += ">\n";
      for (const Failure& f : g.failures) {
        const char* tag = f.bad_input ? "error" : "failure";
        absl::StrAppend(&out, "      <", tag, " message=\"",
                        Escape(f.promtool_text, true), "\">",
                        Escape(FailureText(f)), "</", tag, ">\n");
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace vigil::ruletest
