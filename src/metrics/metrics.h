// File: metrics/metrics.h
//
// reclaim's Prometheus metrics (specs/observability.md C1), kept in a
// prometheus-cpp registry and written in the text exposition format 0.0.4.
// reclaim serve feeds it (the services' EventSink::Finished records, the
// Docker API's per-request observer) and serves Scrape() on --metrics-addr
// from its own HTTP server (api/metrics_endpoint.h).
//
//   Metrics metrics({.version = "0.2.0", .store = [&] { return FiguresOf(store); }});
//   images_options.events = &metrics;            // or through an EventFanout
//   api_options.on_request = [&](auto route, int code, absl::Duration d) {
//     metrics.ObserveRequest(route, code, d);
//   };
//   std::string body = metrics.Scrape();
//
// The families (names in base units, counters ending in _total, no image
// name or digest as a label value):
//   reclaim_build_info{version}                            gauge, 1
//   reclaim_prune_runs_total{kind,result}                  kind image|container, result success|error
//   reclaim_prune_duration_seconds{kind}                   histogram
//   reclaim_prune_reclaimed_bytes_total{kind}              bytes the prunes freed (leftovers included)
//   reclaim_prune_deleted_total{kind}                      image records or containers deleted
//   reclaim_last_successful_prune_timestamp_seconds{kind}  gauge (unset until one succeeds)
//   reclaim_transfers_total{operation,result}              pull|push|load|save|import
//   reclaim_transfer_bytes_total{operation}
//   reclaim_transfer_duration_seconds{operation}           histogram
//   reclaim_api_requests_total{route,code}                 route "GET /images/{name}/json"
//   reclaim_api_request_duration_seconds{route}            histogram
//   reclaim_images                                         gauge: image IDs in the store, at scrape
//   reclaim_store_bytes{kind}                              gauge: content|snapshots, at scrape
//   reclaim_store_read_errors_total                        scrapes that could not read the store
//
// Thread-safety: safe for concurrent use.
#ifndef RECLAIM_METRICS_METRICS_H_
#define RECLAIM_METRICS_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/clock.h"
#include "service/events/events.h"

namespace prometheus {
class Registry;
}

namespace reclaim {

// What the store holds, read at each scrape.
struct StoreFigures {
  int64_t images = 0;  // distinct image IDs (targets)
  int64_t content_bytes = 0;
  int64_t snapshot_bytes = 0;
};

struct MetricsOptions {
  std::string version;
  const Clock* clock = nullptr;  // default RealClock(): the last-success timestamps
  std::function<absl::StatusOr<StoreFigures>()> store;  // unset: no store gauges
};

class Metrics final : public EventSink {
 public:
  explicit Metrics(MetricsOptions options);
  ~Metrics() override;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // EventSink: events are Docker's business; only operations are counted.
  void Publish(Event) override {}
  void Finished(const OperationRecord& record) override;

  void ObserveRequest(std::string_view route, int status, absl::Duration latency);

  // Every family in the text exposition format (store gauges read now).
  std::string Scrape();

 private:
  struct Families;
  const MetricsOptions options_;
  const Clock& clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
};

}  // namespace reclaim

#endif  // RECLAIM_METRICS_METRICS_H_
