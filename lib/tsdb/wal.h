// The write-ahead log's file format: numbered segment files of framed
// records. Internal to vigil_tsdb; what goes into a record is
// wal_records.h's.
//
// A segment ("00000012" under the log's directory) starts with an 8-byte
// header — "VWAL", a format version byte, three zero bytes — and holds
// 32 KiB pages. A record is written as one or more fragments, each with a
// 7-byte header: type (full, first, middle, last), payload length (2 bytes,
// little endian) and the CRC-32 of the payload (4 bytes); a page whose rest
// cannot hold a header and a byte is zero-padded. Records never span
// segments: a segment ends where its last complete record does, so a torn
// write only ever damages the tail of one segment.
//
// Durability: Log() hands every byte of its records to the kernel (write(2))
// before it returns, so a process crash (SIGKILL, the OOM killer) loses
// nothing logged; Sync() makes them survive a power loss too (fdatasync),
// and a segment is synced when it is closed.
//
// Reading: ReadSegment() returns the records up to the first damage — a
// checksum that does not match, a fragment out of sequence, a file that
// ends inside a record — with the offset where the valid data ends, so the
// caller can cut the segment there.
#ifndef VIGIL_LIB_TSDB_WAL_H_
#define VIGIL_LIB_TSDB_WAL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vigil::tsdb::wal {

inline constexpr int kFormatVersion = 1;
inline constexpr size_t kPageBytes = 32 << 10;
inline constexpr size_t kSegmentHeaderBytes = 8;
inline constexpr size_t kFragmentHeaderBytes = 7;
inline constexpr int64_t kDefaultSegmentBytes = 8 << 20;

// "00000012" for 12: sortable, as Prometheus names its segments.
std::string SegmentName(int64_t index);

struct SegmentRef {
  int64_t index;
  std::string path;
};
// The segment files of `dir`, by index; other files are ignored. An
// unreadable directory is an error naming it.
absl::StatusOr<std::vector<SegmentRef>> ListSegments(const std::string& dir);

struct SegmentContents {
  std::vector<std::string> records;
  // Bytes of the segment that hold whole, valid records (and the header):
  // the file's size when nothing is damaged.
  int64_t valid_bytes = 0;
  int64_t file_bytes = 0;
  // Empty when the segment is whole; else what is wrong at valid_bytes.
  std::string damage;
  // The segment ends inside a record (a torn last write), as opposed to a
  // record that is there but does not check out.
  bool torn = false;
};
// Checks a segment's header without reading the rest: an error when the
// file is not a vigil log segment or was written by a newer format. A file
// shorter than a header passes (a torn creation; ReadSegment reports it).
absl::Status CheckSegmentHeader(const std::string& path);

// Reads one segment. Errors: the file cannot be read, or its header is not a
// vigil log's or has a newer format version (then nothing may be cut).
// `from`, when not 0, is the valid_bytes of an earlier read of the same
// segment: only what follows it is read (a reader following the log as it
// is written; a record cut off at the end is then not there yet).
absl::StatusOr<SegmentContents> ReadSegment(const std::string& path,
                                            int64_t from = 0);

// Appends records to a new segment after the newest one of `dir`, cutting a
// new segment when the current one would pass `segment_bytes`. Thread-safe;
// the Head logs under its commit lock, so the log's order is the commit
// order, and a background thread calls Sync().
class Writer {
 public:
  // The first segment is numbered after the newest one of `dir`, and at
  // least `first_index` (a snapshot's cut, whose number must not be
  // reused by a log that lost its segments).
  static absl::StatusOr<std::unique_ptr<Writer>> Open(
      const std::string& dir, int64_t segment_bytes = kDefaultSegmentBytes,
      int64_t first_index = 0);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes `records` (each at most segment_bytes / 2) and hands them to the
  // kernel. On an error (say ENOSPC) the segment may hold a torn tail; the
  // next Log() starts a new segment, so what follows stays readable.
  absl::Status Log(const std::vector<std::string>& records);
  // fdatasync of the current segment when it has unsynced bytes.
  absl::Status Sync();
  // Flushes, syncs and closes the current segment; the error the
  // destructor would swallow. Log() after it starts a new segment.
  absl::Status Close();
  // Starts a new segment unless the current one is still empty; returns
  // the index of the segment the next record goes to. A snapshot taken at
  // this point replaces every segment before it.
  absl::StatusOr<int64_t> Cut();

  int64_t segment_index() const {
    std::lock_guard lock(mu_);
    return segment_index_;
  }
  // Full pages handed to the kernel, fsyncs and bytes written since Open.
  uint64_t page_flushes() const { return page_flushes_.load(); }
  uint64_t fsyncs() const { return fsyncs_.load(); }
  uint64_t bytes_written() const { return bytes_written_.load(); }

 private:
  Writer(std::string dir, int64_t segment_bytes)
      : dir_(std::move(dir)), segment_bytes_(segment_bytes) {}
  absl::Status OpenSegment(int64_t index);
  absl::Status CloseSegment();
  absl::Status AddFragment(uint8_t type, std::string_view payload);
  absl::Status FlushPage();
  absl::Status SyncLocked();
  // Bytes a record of `n` payload bytes may take, page padding included.
  static int64_t FramedSize(size_t n, size_t page_used);

  const std::string dir_;
  const int64_t segment_bytes_;
  mutable std::mutex mu_;  // everything below but the counters
  int fd_ = -1;
  int64_t segment_index_ = -1;
  int64_t segment_used_ = 0;  // bytes of the segment, the page's included
  std::string page_;          // the current page, as far as it is filled
  size_t page_flushed_ = 0;   // bytes of page_ already written
  bool dirty_ = false;        // written since the last fdatasync
  bool broken_ = false;       // a write failed: cut before the next record
  bool segment_has_records_ = false;
  std::atomic<uint64_t> page_flushes_{0};
  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> bytes_written_{0};
};

}  // namespace vigil::tsdb::wal

#endif  // VIGIL_LIB_TSDB_WAL_H_
