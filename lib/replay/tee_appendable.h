// The rules' output, sent on to the source's store (or, for series no rule
// reads, to an UnreadSeries that gives the store's verdicts) and, when
// asked, to a record of it (--output) and a sink (--remote-write), with
// every sample shown to the timeline.
// Internal to vigil_replay.
#ifndef VIGIL_LIB_REPLAY_TEE_APPENDABLE_H_
#define VIGIL_LIB_REPLAY_TEE_APPENDABLE_H_

#include <memory>

#include "lib/replay/timeline.h"
#include "lib/replay/unread_series.h"
#include "vigil/storage.h"

namespace vigil::replay {

class TeeAppendable : public Appendable {
 public:
  // `record`, `unread` may be null; all must outlive this.
  TeeAppendable(Appendable& main, Appendable* record, OutputSink* sink,
                Timeline& timeline, UnreadSeries* unread = nullptr)
      : main_(main),
        record_(record),
        sink_(sink),
        timeline_(timeline),
        unread_(unread) {}

  std::unique_ptr<Appender> NewAppender() override;

 private:
  Appendable& main_;
  Appendable* record_;
  OutputSink* sink_;
  Timeline& timeline_;
  UnreadSeries* unread_;
};

}  // namespace vigil::replay

#endif  // VIGIL_LIB_REPLAY_TEE_APPENDABLE_H_
