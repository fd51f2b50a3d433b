#include "lib/rules/template/template_lexer.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "lib/model/absl_compat.h"
#include "lib/model/go_quote.h"

namespace vigil::tmpl {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr size_t kTrimMarkerLen = 2;  // "-" plus the space beside it

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// Go's unicode.IsLetter/IsDigit; bytes of multi-byte UTF-8 sequences count
// as letters (identifiers rarely contain them, and Go accepts letters).
bool IsAlphaNumeric(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || u >= 0x80;
}

const std::map<std::string_view, ItemType>& Keywords() {
  static const auto* const kKeywords = new std::map<std::string_view, ItemType>{
      {".", ItemType::kDot},
      {"block", ItemType::kBlock},
      {"break", ItemType::kBreak},
      {"continue", ItemType::kContinue},
      {"define", ItemType::kDefine},
      {"else", ItemType::kElse},
      {"end", ItemType::kEnd},
      {"if", ItemType::kIf},
      {"range", ItemType::kRange},
      {"nil", ItemType::kNil},
      {"template", ItemType::kTemplate},
      {"with", ItemType::kWith},
  };
  return *kKeywords;
}

// Go's %#U of a rune: U+0001 or U+00E9 'é'.
std::string RuneDescription(std::string_view s, size_t pos) {
  unsigned char c = static_cast<unsigned char>(s[pos]);
  uint32_t r = c;
  size_t n = 1;
  if (c >= 0xC0 && c < 0xE0 && pos + 1 < s.size()) {
    r = ((c & 0x1F) << 6) | (s[pos + 1] & 0x3F);
    n = 2;
  } else if (c >= 0xE0 && c < 0xF0 && pos + 2 < s.size()) {
    r = ((c & 0x0F) << 12) | ((s[pos + 1] & 0x3F) << 6) | (s[pos + 2] & 0x3F);
    n = 3;
  } else if (c >= 0xF0 && pos + 3 < s.size()) {
    r = ((c & 0x07) << 18) | ((s[pos + 1] & 0x3F) << 12) |
        ((s[pos + 2] & 0x3F) << 6) | (s[pos + 3] & 0x3F);
    n = 4;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "U+%04X", r);
  std::string out = buf;
  if (r >= 0x20 && r != 0x7F) Append(&out, " '", s.substr(pos, n), "'");
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Item> Run() {
    while (!done_) {
      if (inside_) {
        LexInsideAction();
      } else {
        LexText();
      }
    }
    return std::move(items_);
  }

 private:
  // Positions only grow while lexing, so counting newlines from the last
  // query keeps this linear.
  int LineAt(size_t pos) {
    if (pos < line_pos_) {
      line_pos_ = 0;
      line_ = 1;
    }
    line_ += static_cast<int>(
        std::count(in_.begin() + line_pos_, in_.begin() + pos, '\n'));
    line_pos_ = pos;
    return line_;
  }
  char Peek() const { return pos_ < in_.size() ? in_[pos_] : '\0'; }
  bool AtEnd() const { return pos_ >= in_.size(); }

  void Emit(ItemType t) {
    items_.push_back({t, start_, std::string(in_.substr(start_, pos_ - start_)),
                      LineAt(start_)});
    start_ = pos_;
    if (t == ItemType::kEOF) done_ = true;
  }
  void Error(std::string msg) {
    items_.push_back(
        {ItemType::kError, start_, std::move(msg), LineAt(start_)});
    done_ = true;
  }

  bool HasLeftTrimMarker(size_t p) const {
    return p + 1 < in_.size() && in_[p] == '-' && IsSpace(in_[p + 1]);
  }
  bool HasRightTrimMarker(size_t p) const {
    return p + 1 < in_.size() && IsSpace(in_[p]) && in_[p + 1] == '-';
  }
  bool HasPrefixAt(size_t p, std::string_view s) const {
    return p <= in_.size() && in_.substr(p).substr(0, s.size()) == s;
  }
  // (delim, trim): whether pos_ is at "}}" or " -}}".
  std::pair<bool, bool> AtRightDelim() const {
    if (HasRightTrimMarker(pos_) &&
        HasPrefixAt(pos_ + kTrimMarkerLen, kRightDelim)) {
      return {true, true};
    }
    return {HasPrefixAt(pos_, kRightDelim), false};
  }
  size_t SkipSpace(size_t p) const {
    while (p < in_.size() && IsSpace(in_[p])) ++p;
    return p;
  }

  void LexText() {
    size_t x = in_.find(kLeftDelim, pos_);
    if (x == std::string_view::npos) {
      pos_ = in_.size();
      if (pos_ > start_) Emit(ItemType::kText);
      Emit(ItemType::kEOF);
      return;
    }
    size_t text_end = x;
    if (HasLeftTrimMarker(x + kLeftDelim.size())) {
      while (text_end > start_ && IsSpace(in_[text_end - 1])) --text_end;
    }
    if (text_end > start_) {
      pos_ = text_end;
      Emit(ItemType::kText);
    }
    pos_ = x;
    start_ = x;
    LexLeftDelim();
  }

  void LexLeftDelim() {
    pos_ += kLeftDelim.size();
    bool trim = HasLeftTrimMarker(pos_);
    size_t after = trim ? kTrimMarkerLen : 0;
    if (HasPrefixAt(pos_ + after, kLeftComment)) {
      pos_ += after;
      start_ = pos_;
      LexComment();
      return;
    }
    items_.push_back({ItemType::kLeftDelim, start_, std::string(kLeftDelim),
                      LineAt(start_)});
    pos_ += after;
    start_ = pos_;
    inside_ = true;
    paren_depth_ = 0;
  }

  void LexComment() {
    pos_ += kLeftComment.size();
    size_t x = in_.find(kRightComment, pos_);
    if (x == std::string_view::npos) {
      Error("unclosed comment");
      return;
    }
    pos_ = x + kRightComment.size();
    auto [delim, trim] = AtRightDelim();
    if (!delim) {
      Error("comment ends before closing delimiter");
      return;
    }
    if (trim) pos_ += kTrimMarkerLen;
    pos_ += kRightDelim.size();
    if (trim) pos_ = SkipSpace(pos_);
    start_ = pos_;
  }

  void LexRightDelim(bool trim) {
    if (trim) pos_ += kTrimMarkerLen;
    start_ = pos_;
    pos_ += kRightDelim.size();
    Emit(ItemType::kRightDelim);
    if (trim) pos_ = SkipSpace(pos_);
    start_ = pos_;
    inside_ = false;
  }

  bool AtTerminator() const {
    char r = Peek();
    if (AtEnd() || IsSpace(r)) return true;
    switch (r) {
      case '.':
      case ',':
      case '|':
      case ':':
      case ')':
      case '(':
        return true;
      default:
        return HasPrefixAt(pos_, kRightDelim);
    }
  }

  void LexInsideAction() {
    auto [delim, trim] = AtRightDelim();
    if (delim) {
      if (paren_depth_ == 0) {
        LexRightDelim(trim);
      } else {
        Error("unclosed left paren");
      }
      return;
    }
    if (AtEnd()) {
      Error("unclosed action");
      return;
    }
    char r = in_[pos_++];
    if (IsSpace(r)) {
      --pos_;
      LexSpace();
    } else if (r == '=') {
      Emit(ItemType::kAssign);
    } else if (r == ':') {
      if (Peek() != '=') {
        Error("expected :=");
        return;
      }
      ++pos_;
      Emit(ItemType::kDeclare);
    } else if (r == '|') {
      Emit(ItemType::kPipe);
    } else if (r == '"') {
      LexQuote();
    } else if (r == '`') {
      LexRawQuote();
    } else if (r == '$') {
      LexFieldOrVariable(ItemType::kVariable);
    } else if (r == '\'') {
      LexChar();
    } else if (r == '.' && !(Peek() >= '0' && Peek() <= '9' && !AtEnd())) {
      LexFieldOrVariable(ItemType::kField);
    } else if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      --pos_;
      LexNumber();
    } else if (IsAlphaNumeric(r)) {
      --pos_;
      LexIdentifier();
    } else if (r == '(') {
      ++paren_depth_;
      Emit(ItemType::kLeftParen);
    } else if (r == ')') {
      --paren_depth_;
      if (paren_depth_ < 0) {
        Error("unexpected right paren");
        return;
      }
      Emit(ItemType::kRightParen);
    } else if (r >= 0x20 && r < 0x7F) {
      Emit(ItemType::kChar);
    } else {
      Error(Cat("unrecognized character in action: ",
                RuneDescription(in_, pos_ - 1)));
    }
  }

  void LexSpace() {
    size_t n = 0;
    while (!AtEnd() && IsSpace(Peek())) {
      ++pos_;
      ++n;
    }
    // A space followed by "-}}" belongs to the trim marker.
    if (HasRightTrimMarker(pos_ - 1) &&
        HasPrefixAt(pos_ - 1 + kTrimMarkerLen, kRightDelim)) {
      --pos_;
      if (n == 1) return;  // LexInsideAction sees the delimiter next
    }
    Emit(ItemType::kSpace);
  }

  void LexQuote() {
    while (true) {
      if (AtEnd()) {
        Error("unterminated quoted string");
        return;
      }
      char c = in_[pos_++];
      if (c == '\\') {
        if (AtEnd() || Peek() == '\n') {
          Error("unterminated quoted string");
          return;
        }
        ++pos_;
      } else if (c == '\n') {
        Error("unterminated quoted string");
        return;
      } else if (c == '"') {
        break;
      }
    }
    Emit(ItemType::kString);
  }

  void LexRawQuote() {
    size_t x = in_.find('`', pos_);
    if (x == std::string_view::npos) {
      Error("unterminated raw quoted string");
      return;
    }
    pos_ = x + 1;
    Emit(ItemType::kRawString);
  }

  void LexChar() {
    while (true) {
      if (AtEnd()) {
        Error("unterminated character constant");
        return;
      }
      char c = in_[pos_++];
      if (c == '\\') {
        if (AtEnd() || Peek() == '\n') {
          Error("unterminated character constant");
          return;
        }
        ++pos_;
      } else if (c == '\n') {
        Error("unterminated character constant");
        return;
      } else if (c == '\'') {
        break;
      }
    }
    Emit(ItemType::kCharConstant);
  }

  void LexFieldOrVariable(ItemType type) {
    if (AtTerminator()) {
      Emit(type == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
      return;
    }
    while (!AtEnd() && IsAlphaNumeric(Peek())) ++pos_;
    if (!AtTerminator()) {
      Error(Cat("bad character ", RuneDescription(in_, pos_)));
      return;
    }
    Emit(type);
  }

  void LexIdentifier() {
    while (!AtEnd() && IsAlphaNumeric(Peek())) ++pos_;
    std::string_view word = in_.substr(start_, pos_ - start_);
    if (!AtTerminator()) {
      Error(Cat("bad character ", RuneDescription(in_, pos_)));
      return;
    }
    auto it = Keywords().find(word);
    if (it != Keywords().end()) {
      Emit(it->second);
    } else if (word == "true" || word == "false") {
      Emit(ItemType::kBool);
    } else {
      Emit(ItemType::kIdentifier);
    }
  }

  bool Accept(std::string_view valid) {
    if (!AtEnd() && valid.find(Peek()) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (!AtEnd() && IsAlphaNumeric(Peek())) {
      ++pos_;
      return false;
    }
    return true;
  }

  void LexNumber() {
    if (!ScanNumber()) {
      Error(Cat("bad number syntax: ",
                QuoteString(in_.substr(start_, pos_ - start_))));
      return;
    }
    if (Peek() == '+' || Peek() == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i') {
        Error(Cat("bad number syntax: ",
                  QuoteString(in_.substr(start_, pos_ - start_))));
        return;
      }
      Emit(ItemType::kComplex);
      return;
    }
    Emit(ItemType::kNumber);
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  bool inside_ = false;
  bool done_ = false;
  int paren_depth_ = 0;
  size_t line_pos_ = 0;
  int line_ = 1;
  std::vector<Item> items_;
};

}  // namespace

std::vector<Item> Lex(std::string_view input) { return Lexer(input).Run(); }

std::string ItemString(const Item& item) {
  if (item.type == ItemType::kEOF) return "EOF";
  if (item.type == ItemType::kError) return item.val;
  if (item.type > ItemType::kKeyword) return Cat("<", item.val, ">");
  // Go's %.10q: at most ten runes, then quoted.
  size_t runes = 0, cut = item.val.size();
  for (size_t i = 0; i < item.val.size(); ++i) {
    if ((static_cast<unsigned char>(item.val[i]) & 0xC0) != 0x80) {
      if (runes == 10) {
        cut = i;
        break;
      }
      ++runes;
    }
  }
  if (cut < item.val.size()) {
    return QuoteString(std::string_view(item.val).substr(0, cut)) + "...";
  }
  return QuoteString(item.val);
}

}  // namespace vigil::tmpl
