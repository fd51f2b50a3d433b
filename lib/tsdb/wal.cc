// Segment files of the write-ahead log; see wal.h.
#include "lib/tsdb/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vigil::tsdb::wal {

namespace {

enum FragmentType : uint8_t {
  kPadding = 0,
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
};

constexpr char kMagic[4] = {'V', 'W', 'A', 'L'};
// A segment larger than this is not one vigil wrote.
constexpr int64_t kMaxSegmentFileBytes = int64_t{1} << 30;

absl::Status Errno(const char* what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

uint32_t Crc(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uInt>(data.size())));
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

}  // namespace

std::string SegmentName(int64_t index) {
  return absl::StrFormat("%08d", index);
}

absl::StatusOr<std::vector<SegmentRef>> ListSegments(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Errno("cannot list", dir);
  std::vector<SegmentRef> out;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name = e->d_name;
    if (name.size() != 8 || !std::all_of(name.begin(), name.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      continue;
    }
    out.push_back({std::stoll(std::string(name)), dir + "/" + e->d_name});
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const SegmentRef& a, const SegmentRef& b) {
              return a.index < b.index;
            });
  return out;
}

namespace {

absl::Status CheckHeaderBytes(const std::string& path, std::string_view h) {
  if (std::memcmp(h.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a vigil write-ahead log segment"));
  }
  const int version = static_cast<uint8_t>(h[4]);
  if (version > kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": log format version ", version, " is newer than this vigil's (",
        kFormatVersion, "); upgrade vigil or move the directory away"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSegmentHeader(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  char header[kSegmentHeaderBytes];
  ssize_t n;
  do {
    n = ::read(fd, header, sizeof(header));
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n < 0) return Errno("cannot read", path);
  const std::string_view bytes(header, static_cast<size_t>(n));
  // Short or zeroed: a torn creation, which ReadSegment reports.
  if (bytes.size() < sizeof(header) || AllZero(bytes)) return absl::OkStatus();
  return CheckHeaderBytes(path, bytes);
}

absl::StatusOr<SegmentContents> ReadSegment(const std::string& path,
                                            int64_t from) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Errno("cannot stat", path);
  }
  if (st.st_size > kMaxSegmentFileBytes) {
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": ", st.st_size, " bytes, too large for a log segment"));
  }
  // A reader following the log resumes where its last read ended: only
  // the bytes from there are read and checked again.
  const size_t base =
      from > 0 && from <= st.st_size ? static_cast<size_t>(from) : 0;
  std::string data(static_cast<size_t>(st.st_size) - base, '\0');
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::pread(fd, data.data() + got, data.size() - got,
                              static_cast<off_t>(base + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);

  SegmentContents out;
  out.file_bytes = static_cast<int64_t>(base + data.size());
  if (base == 0 &&
      (data.size() < kSegmentHeaderBytes ||
       AllZero(std::string_view(data).substr(0, kSegmentHeaderBytes)))) {
    // Created, then the process (or the power) died before the header was
    // written: a file system may leave zeros where the write never landed.
    out.torn = true;
    out.damage = "segment header incomplete";
    return out;
  }
  if (base == 0) {
    if (absl::Status s = CheckHeaderBytes(path, data); !s.ok()) return s;
  }
  const size_t end = base + data.size();
  size_t pos = std::max(base, kSegmentHeaderBytes);
  out.valid_bytes = static_cast<int64_t>(pos);
  std::string record;
  bool in_record = false;
  auto damage = [&](std::string why, bool torn) {
    out.damage = absl::StrCat(why, " at offset ", pos);
    out.torn = torn;
    return out;
  };
  while (pos < end) {
    const size_t page_used = (pos - kSegmentHeaderBytes) % kPageBytes;
    const size_t space = kPageBytes - page_used;
    if (space < kFragmentHeaderBytes + 1) {
      pos += std::min(space, end - pos);
      continue;
    }
    const std::string_view rest(data.data() + (pos - base), end - pos);
    if (rest.size() < kFragmentHeaderBytes || rest[0] == kPadding) {
      // Zeros to the end: space the file system allocated but no write
      // filled. A record cut off there is a torn write.
      if (AllZero(rest)) {
        if (in_record) return damage("record cut off", true);
        return out;
      }
      if (rest.size() < kFragmentHeaderBytes) {
        return damage("fragment header cut off", true);
      }
      if (!AllZero(rest.substr(0, std::min(rest.size(), space)))) {
        return damage("bad fragment type 0", false);
      }
      pos += std::min(space, rest.size());
      continue;
    }
    const uint8_t type = static_cast<uint8_t>(rest[0]);
    const size_t len =
        static_cast<uint8_t>(rest[1]) |
        (static_cast<size_t>(static_cast<uint8_t>(rest[2])) << 8);
    uint32_t crc = 0;
    for (int i = 0; i < 4; ++i) {
      crc |= static_cast<uint32_t>(static_cast<uint8_t>(rest[3 + i]))
             << (8 * i);
    }
    if (type > kLast)
      return damage(absl::StrCat("bad fragment type ", type), false);
    if (len > space - kFragmentHeaderBytes) {
      return damage("fragment longer than its page", false);
    }
    if (rest.size() < kFragmentHeaderBytes + len) {
      return damage("fragment cut off", true);
    }
    const std::string_view payload = rest.substr(kFragmentHeaderBytes, len);
    if (Crc(payload) != crc) return damage("checksum mismatch", false);
    const bool starts = type == kFull || type == kFirst;
    if (starts == in_record) {
      return damage("fragment out of sequence", false);
    }
    if (starts) record.clear();
    record.append(payload);
    pos += kFragmentHeaderBytes + len;
    in_record = type == kFirst || type == kMiddle;
    if (!in_record) {
      out.records.push_back(std::move(record));
      record = std::string();
      out.valid_bytes = static_cast<int64_t>(pos);
    }
  }
  if (in_record) return damage("record cut off", true);
  return out;
}

absl::StatusOr<std::unique_ptr<Writer>> Writer::Open(const std::string& dir,
                                                     int64_t segment_bytes,
                                                     int64_t first_index) {
  absl::StatusOr<std::vector<SegmentRef>> segments = ListSegments(dir);
  if (!segments.ok()) return segments.status();
  std::unique_ptr<Writer> w(new Writer(
      dir, std::max<int64_t>(segment_bytes, 4 * int64_t{kPageBytes})));
  const int64_t next =
      std::max(first_index, segments->empty() ? 0 : segments->back().index + 1);
  if (absl::Status s = w->OpenSegment(next); !s.ok()) return s;
  return w;
}

Writer::~Writer() {
  std::lock_guard lock(mu_);
  CloseSegment().IgnoreError();
}

absl::Status Writer::Close() {
  std::lock_guard lock(mu_);
  return CloseSegment();
}

absl::Status Writer::OpenSegment(int64_t index) {
  const std::string path = dir_ + "/" + SegmentName(index);
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("cannot create log segment", path);
  segment_index_ = index;
  segment_has_records_ = false;
  char header[kSegmentHeaderBytes] = {
      kMagic[0], kMagic[1], kMagic[2], kMagic[3], kFormatVersion, 0, 0, 0};
  if (!WriteAll(fd_, header, sizeof(header))) {
    broken_ = true;
    return Errno("cannot write log segment", path);
  }
  // The new name must survive a power loss along with what is synced into
  // the file.
  if (const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  segment_used_ = kSegmentHeaderBytes;
  page_.clear();
  page_flushed_ = 0;
  dirty_ = true;
  broken_ = false;
  return absl::OkStatus();
}

absl::Status Writer::CloseSegment() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status status = broken_ ? absl::OkStatus() : FlushPage();
  // Always: a background Sync() may have cleared dirty_ and still be
  // waiting for (or have failed) its own fdatasync.
  dirty_ = true;
  if (status.ok()) status = SyncLocked();
  ::close(fd_);
  fd_ = -1;
  return status;
}

absl::Status Writer::FlushPage() {
  if (page_flushed_ < page_.size()) {
    if (!WriteAll(fd_, page_.data() + page_flushed_,
                  page_.size() - page_flushed_)) {
      broken_ = true;
      return Errno("cannot write log segment",
                   dir_ + "/" + SegmentName(segment_index_));
    }
    bytes_written_.fetch_add(page_.size() - page_flushed_,
                             std::memory_order_relaxed);
    page_flushed_ = page_.size();
    dirty_ = true;
  }
  if (page_.size() == kPageBytes) {
    page_flushes_.fetch_add(1, std::memory_order_relaxed);
    page_.clear();
    page_flushed_ = 0;
  }
  return absl::OkStatus();
}

absl::Status Writer::AddFragment(uint8_t type, std::string_view payload) {
  const uint32_t crc = Crc(payload);
  char header[kFragmentHeaderBytes] = {static_cast<char>(type),
                                       static_cast<char>(payload.size() & 0xff),
                                       static_cast<char>(payload.size() >> 8),
                                       static_cast<char>(crc & 0xff),
                                       static_cast<char>((crc >> 8) & 0xff),
                                       static_cast<char>((crc >> 16) & 0xff),
                                       static_cast<char>(crc >> 24)};
  page_.append(header, sizeof(header));
  page_.append(payload);
  segment_used_ += static_cast<int64_t>(sizeof(header) + payload.size());
  return page_.size() == kPageBytes ? FlushPage() : absl::OkStatus();
}

int64_t Writer::FramedSize(size_t n, size_t page_used) {
  int64_t total = 0;
  size_t pos = page_used;
  size_t rem = n;
  for (bool first = true; first || rem > 0; first = false) {
    size_t space = kPageBytes - pos;
    if (space < kFragmentHeaderBytes + 1) {
      total += static_cast<int64_t>(space);
      pos = 0;
      space = kPageBytes;
    }
    const size_t take = std::min(rem, space - kFragmentHeaderBytes);
    total += static_cast<int64_t>(kFragmentHeaderBytes + take);
    rem -= take;
    pos = (pos + kFragmentHeaderBytes + take) % kPageBytes;
  }
  return total;
}

absl::Status Writer::Log(const std::vector<std::string>& records) {
  std::lock_guard lock(mu_);
  if (broken_ || fd_ < 0) {
    // What the failed write left is a torn tail; start clean after it. A
    // segment that never took a record goes, so a long outage (a full
    // disk) retries one file instead of leaving one per attempt.
    if (fd_ >= 0) {
      // What was acknowledged before the failure must still reach the disk.
      ::fdatasync(fd_);
      ::close(fd_);
      fd_ = -1;
    }
    int64_t next = segment_index_ + 1;
    if (!segment_has_records_) {
      ::unlink((dir_ + "/" + SegmentName(segment_index_)).c_str());
      next = segment_index_;
    }
    if (absl::Status s = OpenSegment(next); !s.ok()) return s;
  }
  // All or nothing: a refused record must not leave its batch's earlier
  // records waiting in the page for the next call.
  for (const std::string& record : records) {
    if (static_cast<int64_t>(record.size()) > segment_bytes_ / 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("log record of ", record.size(), " bytes too large"));
    }
  }
  for (const std::string& record : records) {
    if (segment_used_ > static_cast<int64_t>(kSegmentHeaderBytes) &&
        segment_used_ + FramedSize(record.size(), page_.size()) >
            segment_bytes_) {
      if (absl::Status s = CloseSegment(); !s.ok()) return s;
      if (absl::Status s = OpenSegment(segment_index_ + 1); !s.ok()) return s;
    }
    std::string_view rest = record;
    bool first = true;
    for (;;) {
      const size_t space = kPageBytes - page_.size();
      if (space < kFragmentHeaderBytes + 1) {
        page_.append(space, '\0');
        segment_used_ += static_cast<int64_t>(space);
        if (absl::Status s = FlushPage(); !s.ok()) return s;
        continue;
      }
      const size_t take = std::min(rest.size(), space - kFragmentHeaderBytes);
      const bool last = take == rest.size();
      const uint8_t type =
          first ? (last ? kFull : kFirst) : (last ? kLast : kMiddle);
      if (absl::Status s = AddFragment(type, rest.substr(0, take)); !s.ok()) {
        return s;
      }
      rest.remove_prefix(take);
      first = false;
      if (last) break;
    }
  }
  if (absl::Status s = FlushPage(); !s.ok()) return s;
  segment_has_records_ = segment_has_records_ || !records.empty();
  return absl::OkStatus();
}

absl::Status Writer::Sync() {
  int fd;
  int64_t index;
  {
    std::lock_guard lock(mu_);
    if (fd_ < 0 || !dirty_) return absl::OkStatus();
    // A duplicate, so Log() may cut and close the segment meanwhile; the
    // sync waits for the disk without holding up writers.
    fd = ::dup(fd_);
    index = segment_index_;
    dirty_ = false;
  }
  const int rc = fd < 0 ? -1 : ::fdatasync(fd);
  if (fd >= 0) ::close(fd);
  if (rc != 0) {
    std::lock_guard lock(mu_);
    if (index == segment_index_) dirty_ = true;
    return Errno("cannot sync log segment", dir_ + "/" + SegmentName(index));
  }
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Writer::Cut() {
  std::lock_guard lock(mu_);
  if (!broken_ && fd_ >= 0 && !segment_has_records_) return segment_index_;
  const int64_t next = segment_index_ + 1;
  if (fd_ >= 0) CloseSegment().IgnoreError();
  if (!segment_has_records_) {
    ::unlink((dir_ + "/" + SegmentName(segment_index_)).c_str());
  }
  if (absl::Status s = OpenSegment(next); !s.ok()) return s;
  return segment_index_;
}

absl::Status Writer::SyncLocked() {
  if (fd_ < 0 || !dirty_) return absl::OkStatus();
  if (::fdatasync(fd_) != 0) {
    return Errno("cannot sync log segment",
                 dir_ + "/" + SegmentName(segment_index_));
  }
  dirty_ = false;
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

}  // namespace vigil::tsdb::wal
