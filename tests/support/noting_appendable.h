// An Appendable that passes every append on to another and notes it: the
// ref the caller gave, the ref that came back, the labels, time and value.
// For tests of how rules write their output.
#ifndef VIGIL_TESTS_SUPPORT_NOTING_APPENDABLE_H_
#define VIGIL_TESTS_SUPPORT_NOTING_APPENDABLE_H_

#include <memory>
#include <vector>

#include "vigil/storage.h"

namespace vigil::testing {

class NotingAppendable : public Appendable {
 public:
  struct Noted {
    SeriesRef given = 0;
    SeriesRef returned = 0;  // 0 when the store refused the sample
    Labels labels;
    int64_t t_ms = 0;
    double v = 0;
  };

  explicit NotingAppendable(Appendable* next) : next_(next) {}
  std::unique_ptr<Appender> NewAppender() override {
    return std::make_unique<Noting>(next_->NewAppender(), &noted);
  }

  std::vector<Noted> noted;  // in order

 private:
  class Noting : public Appender {
   public:
    Noting(std::unique_ptr<Appender> next, std::vector<Noted>* noted)
        : next_(std::move(next)), noted_(noted) {}
    absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& labels,
                                     int64_t t, double v) override {
      auto got = next_->Append(ref, labels, t, v);
      noted_->push_back({ref, got.ok() ? *got : 0, labels, t, v});
      return got;
    }
    absl::Status Commit() override { return next_->Commit(); }
    void Rollback() override { next_->Rollback(); }

   private:
    std::unique_ptr<Appender> next_;
    std::vector<Noted>* noted_;
  };
  Appendable* next_;
};

}  // namespace vigil::testing

#endif  // VIGIL_TESTS_SUPPORT_NOTING_APPENDABLE_H_
