#include "lib/replay/tee_appendable.h"

namespace vigil::replay {
namespace {

class TeeAppender : public Appender {
 public:
  TeeAppender(std::unique_ptr<Appender> main, std::unique_ptr<Appender> record,
              OutputSink* sink, Timeline& timeline, UnreadSeries* unread)
      : main_(std::move(main)),
        record_(std::move(record)),
        sink_(sink),
        timeline_(timeline),
        unread_(unread) {}

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                   int64_t t_ms, double v) override {
    // A ref from the store is never an unread series': only a new series
    // needs its name looked at.
    const bool unread =
        unread_ != nullptr &&
        (UnreadSeries::Owns(ref) || (ref == 0 && unread_->Covers(labels)));
    auto result = unread ? unread_->Append(ref, labels, t_ms, v)
                         : main_->Append(ref, labels, t_ms, v);
    // The record is a different store: its refs are its own, so it gets
    // the labels; what the main store refused it refuses the same way.
    if (result.ok() && record_ != nullptr) {
      (void)record_->Append(0, labels, t_ms, v);
    }
    if (result.ok() && sink_ != nullptr) sink_->Write(labels, t_ms, v);
    // The timeline follows what the group wrote, not what the store kept:
    // a rejected ALERTS sample still means the alert was active.
    timeline_.Observe(labels, v);
    return result;
  }

  absl::StatusOr<SeriesRef> AppendHistogram(SeriesRef ref, const Labels& labels,
                                            int64_t t_ms,
                                            const FloatHistogram& h) override {
    // A recording rule's histogram result, as Append's floats.
    auto result = main_->AppendHistogram(ref, labels, t_ms, h);
    if (result.ok() && record_ != nullptr) {
      (void)record_->AppendHistogram(0, labels, t_ms, h);
    }
    if (result.ok() && sink_ != nullptr) sink_->WriteHistogram(labels, t_ms, h);
    return result;
  }

  absl::Status Commit() override {
    absl::Status st = main_->Commit();
    if (record_ != nullptr) st.Update(record_->Commit());
    return st;
  }

  void Rollback() override {
    main_->Rollback();
    if (record_ != nullptr) record_->Rollback();
  }

 private:
  std::unique_ptr<Appender> main_;
  std::unique_ptr<Appender> record_;
  OutputSink* sink_;
  Timeline& timeline_;
  UnreadSeries* unread_;
};

}  // namespace

std::unique_ptr<Appender> TeeAppendable::NewAppender() {
  return std::make_unique<TeeAppender>(
      main_.NewAppender(),
      record_ != nullptr ? record_->NewAppender() : nullptr, sink_, timeline_,
      unread_);
}

}  // namespace vigil::replay
