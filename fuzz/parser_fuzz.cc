// libFuzzer target for the PromQL parser and printer. Any input must parse
// or fail cleanly (no crash, no sanitizer report, no runaway recursion);
// whatever parses must print to text that parses again and prints
// identically — Format is a fixed point, as Prometheus's String() is, with
// one exception Prometheus shares: positive infinity prints as "+Inf", and
// "+Inf ^ x" reads back as unary plus applied to "Inf ^ x" (the parser folds
// a sign into a literal only when the literal is the whole operand), so
// each round adds a "+". The text still parses and means the same value.
// And one more: info()'s data-label selector may be empty ("info(m, {})"),
// and Prometheus prints an empty selector as nothing, which does not parse;
// its modifiers still print ("info(m, {} offset 5m)" -> "info(m,  offset
// 5m)").
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "vigil/promql/parser.h"

namespace {

[[noreturn]] void Die(const char* what, std::string_view input,
                      std::string_view detail) {
  std::fprintf(stderr, "parser_fuzz: %s\n  input:   %.*s\n  detail:  %.*s\n",
               what, static_cast<int>(input.size()), input.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// ", )" for a bare empty selector; ",  " for one with modifiers, whose
// text starts with a space after the argument separator's.
bool HasEmptyInfoSelector(std::string_view text) {
  return text.find("info(") != std::string_view::npos &&
         (text.find(", )") != std::string_view::npos ||
          text.find(",  ") != std::string_view::npos);
}

bool HasSignedPowerBase(std::string_view text) {
  return text.find("+Inf ^") != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto options = vigil::promql::ParseOptions::AllExperimental();
  auto parsed = vigil::promql::ParseExpr(input, options);
  if (!parsed.ok()) return 0;
  std::string text = vigil::promql::Format(**parsed);
  auto reparsed = vigil::promql::ParseExpr(text, options);
  if (!reparsed.ok() && HasEmptyInfoSelector(text)) return 0;
  if (!reparsed.ok()) {
    Die("printed text does not parse", input,
        text + " -> " + std::string(reparsed.status().message()));
  }
  std::string text2 = vigil::promql::Format(**reparsed);
  if (text2 != text && !HasSignedPowerBase(text)) {
    Die("printing is not a fixed point", input, text + " -> " + text2);
  }
  return 0;
}
