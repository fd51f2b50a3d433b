// Loading timestamped OpenMetrics into a store; see vigil/backfill.h.
#include "vigil/backfill.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/model/absl_compat.h"
#include "vigil/textparse.h"

namespace vigil::backfill {
namespace {

// textparse reports "line L, column C (byte B): what"; the loader's callers
// want the compiler-style "FILE:L:C: what".
std::string Reposition(std::string_view filename, std::string_view message) {
  constexpr std::string_view kLine = "line ";
  constexpr std::string_view kColumn = ", column ";
  constexpr std::string_view kEnd = "): ";
  size_t comma = message.find(kColumn);
  size_t paren = message.find(" (byte ");
  size_t end = message.find(kEnd);
  if (message.substr(0, kLine.size()) != kLine ||
      comma == std::string_view::npos || paren == std::string_view::npos ||
      end == std::string_view::npos || !(comma < paren && paren < end)) {
    return absl::StrCat(ToAbsl(filename), ": ", ToAbsl(message));
  }
  std::string_view line = message.substr(kLine.size(), comma - kLine.size());
  std::string_view column =
      message.substr(comma + kColumn.size(), paren - comma - kColumn.size());
  return absl::StrCat(ToAbsl(filename), ":", ToAbsl(line), ":", ToAbsl(column),
                      ": ", ToAbsl(message.substr(end + kEnd.size())));
}

// Prometheus's form, a bare metric name without its empty braces.
std::string SeriesName(const Labels& labels) {
  std::string s = labels.ToString();
  if (s.size() > 2 && s.ends_with("{}")) s.resize(s.size() - 2);
  return s;
}

absl::Status TooLarge(std::string_view filename, int64_t size, int64_t limit) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(filename), ": file is ", size,
                   " bytes, more than the limit of ", limit));
}

// What the loader remembers of each series it appended to.
struct SeriesState {
  int64_t last_t = 0;
};

// Where the loader's text comes from: all of it at once, or a file read
// piece by piece (PieceReader).
class Source {
 public:
  virtual ~Source() = default;
  // The next piece, after the first `consumed` bytes of the previous one
  // (which may be gone then). Every piece but the last ends with a newline.
  virtual absl::StatusOr<std::string_view> Next(size_t consumed) = 0;
  // The piece Next() returned last is the end of the data.
  virtual bool last() const = 0;
};

class WholeText : public Source {
 public:
  explicit WholeText(std::string_view text) : text_(text) {}
  absl::StatusOr<std::string_view> Next(size_t /*consumed*/) override {
    return text_;
  }
  bool last() const override { return true; }

 private:
  std::string_view text_;
};

// Reads a file in pieces of whole lines, so that memory holds one piece of
// the text rather than all of it. A piece grows only for a line longer than
// itself. A `# EOF` line never ends a piece unless the file ends too: the
// parser would take the end of the piece for the end of the data, and data
// after `# EOF` is an error it reports only when it sees that data.
class PieceReader : public Source {
 public:
  PieceReader(int fd, std::string path, const LoadOptions& options)
      : fd_(fd), path_(std::move(path)), options_(options) {}
  ~PieceReader() override { ::close(fd_); }
  PieceReader(const PieceReader&) = delete;
  PieceReader& operator=(const PieceReader&) = delete;

  absl::StatusOr<std::string_view> Next(size_t consumed) override {
    // Keep the unconsumed tail (the incomplete line the piece was cut at).
    if (consumed > 0) {
      std::memmove(buf_.get(), buf_.get() + consumed, len_ - consumed);
      len_ -= consumed;
    }
    while (true) {
      if (eof_) {
        last_ = true;
        return Piece(len_);
      }
      if (std::optional<size_t> cut = Cut(); cut) return Piece(*cut);
      if (absl::Status s = ReadMore(); !s.ok()) return s;
    }
  }
  bool last() const override { return last_; }

 private:
  std::string_view Piece(size_t n) const {
    return std::string_view(buf_.get(), n);
  }

  // How many buffered bytes make the next piece, if enough are buffered:
  // up to the last newline, except for `# EOF` lines at the end.
  std::optional<size_t> Cut() const {
    if (len_ == 0) return std::nullopt;
    const char* b = buf_.get();
    size_t cut = len_;
    while (true) {
      const void* nl = memrchr(b, '\n', cut);
      if (nl == nullptr) break;
      const size_t line_end =
          static_cast<size_t>(static_cast<const char*>(nl) - b);
      const void* prev = memrchr(b, '\n', line_end);
      const size_t line_start =
          prev == nullptr
              ? 0
              : static_cast<size_t>(static_cast<const char*>(prev) - b) + 1;
      if (!std::string_view(b + line_start, line_end - line_start)
               .starts_with("# EOF")) {
        return line_end + 1;
      }
      cut = line_start;
    }
    if (cut == len_) return std::nullopt;  // no complete line yet
    // The buffer starts with `# EOF`: the parser sees it with what follows
    // (an error), once something does.
    const void* nl = std::memchr(b, '\n', len_);
    return len_ > static_cast<size_t>(static_cast<const char*>(nl) - b) + 1
               ? std::optional<size_t>(len_)
               : std::nullopt;
  }

  absl::Status ReadMore() {
    if (len_ == cap_) {
      const size_t cap = std::max<size_t>(
          std::max<size_t>(options_.read_piece_bytes, 1), cap_ * 2);
      auto grown = std::make_unique_for_overwrite<char[]>(cap);
      if (len_ > 0) std::memcpy(grown.get(), buf_.get(), len_);
      buf_ = std::move(grown);
      cap_ = cap;
    }
    ssize_t n;
    do {
      n = ::read(fd_, buf_.get() + len_, cap_ - len_);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      return absl::NotFoundError(
          absl::StrCat("read ", path_, ": ", std::strerror(errno)));
    }
    if (n == 0) {
      eof_ = true;
      return absl::OkStatus();
    }
    len_ += static_cast<size_t>(n);
    total_ += n;
    // The size was checked before reading; this catches a file that grew.
    if (total_ > options_.max_file_bytes) {
      return TooLarge(path_, total_, options_.max_file_bytes);
    }
    return absl::OkStatus();
  }

  int fd_;
  std::string path_;
  const LoadOptions& options_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t len_ = 0;
  int64_t total_ = 0;
  bool eof_ = false;
  bool last_ = false;
};

class Loader {
 public:
  Loader(Source& source, std::string_view filename, Appendable& storage,
         const LoadOptions& options)
      : source_(source),
        filename_(filename),
        storage_(storage),
        options_(options),
        parser_(std::string_view(), textparse::Format::kOpenMetrics) {}

  absl::StatusOr<LoadStats> Run() {
    absl::StatusOr<std::string_view> first = source_.Next(0);
    if (!first.ok()) return first.status();
    text_ = *first;
    if (source_.last() &&
        static_cast<int64_t>(text_.size()) > options_.max_file_bytes) {
      return TooLarge(filename_, static_cast<int64_t>(text_.size()),
                      options_.max_file_bytes);
    }
    parser_.Continue(text_);
    appender_ = storage_.NewAppender();
    while (true) {
      if (!source_.last() && parser_.consumed() == text_.size()) {
        absl::StatusOr<std::string_view> next = source_.Next(text_.size());
        if (!next.ok()) return Fail(next.status());
        text_ = *next;
        parser_.Continue(text_);
      }
      absl::StatusOr<textparse::EntryType> type = parser_.Next();
      if (!type.ok()) {
        return Fail(absl::InvalidArgumentError(
            Reposition(filename_, FromAbsl(type.status().message()))));
      }
      if (*type == textparse::EntryType::kEof) break;
      if (*type != textparse::EntryType::kSeries) continue;
      if (absl::Status s = AddSample(); !s.ok()) return Fail(s);
    }
    if (absl::Status s = appender_->Commit(); !s.ok()) return Fail(s);
    stats_.series = by_ref_.size();
    return stats_;
  }

 private:
  absl::Status AddSample() {
    const textparse::Entry& e = parser_.entry();
    if (!e.timestamp_ms) {
      return ErrorAt(e, ValueEnd(e),
                     absl::StrCat("expected timestamp for series ",
                                  SeriesName(Build()), ", got none"));
    }
    const int64_t t = *e.timestamp_ms;
    // The series' text as written is the fast path's key; two spellings of
    // one series resolve to the same store ref below. Recordings list a
    // series' samples together, so most lines repeat the line before.
    SeriesRef ref = 0;
    SeriesState* state = nullptr;
    Labels labels;
    const bool same_as_last = last_state_ != nullptr && e.series == last_text_;
    if (same_as_last) {
      ref = last_ref_;
      state = last_state_;
    } else if (auto it = by_text_.find(ToAbsl(e.series));
               it != by_text_.end()) {
      ref = it->second;
      state = &by_ref_.find(ref)->second;
    } else {
      labels = Build();
    }
    if (state != nullptr && t < state->last_t) {
      return OutOfOrder(e, labels.empty() ? Build() : labels, state->last_t);
    }
    absl::StatusOr<SeriesRef> got = appender_->Append(ref, labels, t, e.value);
    if (!got.ok()) {
      // A series first met under another spelling is only known to the
      // store, which says no more than "out of order sample".
      if (ClassifyAppendError(got.status()) == AppendError::kOutOfOrder) {
        return OutOfOrder(e, labels.empty() ? Build() : labels, std::nullopt);
      }
      return ErrorAt(e, TimestampStart(e), FromAbsl(got.status().message()));
    }
    if (ref == 0) {
      auto known = by_ref_.find(*got);
      if (known == by_ref_.end()) {
        if (by_ref_.size() >= options_.max_series) {
          return ErrorAt(e, e.series.data(),
                         absl::StrCat("more than ", options_.max_series,
                                      " series in one file"));
        }
        known = by_ref_.emplace(*got, SeriesState{t}).first;
        ++stats_.samples;
        NoteTime(t);
      } else if (t < known->second.last_t) {
        return OutOfOrder(e, labels, known->second.last_t);
      }
      by_text_.emplace(std::string(e.series), *got);
      ref = *got;
      state = &known->second;
    }
    if (t > state->last_t) {
      state->last_t = t;
      ++stats_.samples;
      NoteTime(t);
    }
    if (!same_as_last) {
      last_text_.assign(e.series);
      last_ref_ = ref;
      last_state_ = state;
    }
    if (++batched_ >= options_.samples_per_commit) {
      batched_ = 0;
      return appender_->Commit();
    }
    return absl::OkStatus();
  }

  Labels Build() { return labels_builder_.Build(parser_); }

  void NoteTime(int64_t t) {
    if (stats_.samples == 1) {
      stats_.min_time_ms = stats_.max_time_ms = t;
    } else {
      stats_.min_time_ms = std::min(stats_.min_time_ms, t);
      stats_.max_time_ms = std::max(stats_.max_time_ms, t);
    }
  }

  absl::Status OutOfOrder(const textparse::Entry& e, const Labels& labels,
                          std::optional<int64_t> previous) {
    return ErrorAt(
        e, TimestampStart(e),
        absl::StrCat("out of order sample for series ", SeriesName(labels),
                     ": timestamp ", FormatSeconds(*e.timestamp_ms),
                     " is before the series' previous sample",
                     previous ? " at " : "",
                     previous ? FormatSeconds(*previous) : ""));
  }

  static std::string FormatSeconds(int64_t ms) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000);
    std::string frac = std::to_string(std::abs(ms % 1000));
    frac.insert(0, 3 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    return absl::StrCat(ms < 0 && ms > -1000 ? "-" : "", ms / 1000, ".", frac);
  }

  // Where on the entry's line the value token ends (just past the series,
  // a space and the value).
  const char* ValueEnd(const textparse::Entry& e) const {
    const char* end = text_.data() + text_.size();
    const char* p = e.series.data() + e.series.size();
    while (p < end && *p == ' ') ++p;
    while (p < end && *p != ' ' && *p != '\n') ++p;
    return p;
  }

  // The timestamp token, or the end of the value when there is none.
  const char* TimestampStart(const textparse::Entry& e) const {
    const char* end = text_.data() + text_.size();
    const char* p = ValueEnd(e);
    const char* q = p;
    while (q < end && *q == ' ') ++q;
    return q < end && *q != '\n' && *q != '#' ? q : p;
  }

  absl::Status ErrorAt(const textparse::Entry& e, const char* at,
                       std::string_view message) const {
    const size_t offset = static_cast<size_t>(at - text_.data());
    const size_t nl =
        offset == 0 ? std::string_view::npos : text_.rfind('\n', offset - 1);
    const size_t line_start = nl == std::string_view::npos ? 0 : nl + 1;
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(filename_), ":", e.line, ":",
                     offset - line_start + 1, ": ", ToAbsl(message)));
  }

  absl::Status Fail(const absl::Status& s) {
    appender_->Rollback();
    return s;
  }

  Source& source_;
  std::string_view text_;  // the current piece
  std::string_view filename_;
  Appendable& storage_;
  const LoadOptions& options_;
  textparse::Parser parser_;
  textparse::SeriesLabelsBuilder labels_builder_;
  std::unique_ptr<Appender> appender_;
  absl::flat_hash_map<std::string, SeriesRef> by_text_;
  absl::flat_hash_map<SeriesRef, SeriesState> by_ref_;
  // The series of the last sample line: its text, ref and state (by_ref_'s
  // element, whose address holds until the next insertion, which resets it).
  std::string last_text_;
  SeriesRef last_ref_ = 0;
  SeriesState* last_state_ = nullptr;
  size_t batched_ = 0;
  LoadStats stats_;
};

}  // namespace

absl::StatusOr<LoadStats> LoadOpenMetrics(std::string_view text,
                                          std::string_view filename,
                                          Appendable& storage,
                                          const LoadOptions& options) {
  WholeText source(text);
  return Loader(source, filename, storage, options).Run();
}

absl::StatusOr<LoadStats> LoadOpenMetricsFile(const std::string& path,
                                              Appendable& storage,
                                              const LoadOptions& options) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return absl::NotFoundError(absl::StrCat("open ", path, ": ", ec.message()));
  }
  if (size > static_cast<uintmax_t>(options.max_file_bytes)) {
    return TooLarge(path, static_cast<int64_t>(size), options.max_file_bytes);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("open ", path, ": ", std::strerror(errno)));
  }
  PieceReader source(fd, path, options);
  return Loader(source, path, storage, options).Run();
}

}  // namespace vigil::backfill
