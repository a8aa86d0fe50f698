#include "metrics/metrics.h"

#include <sstream>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace reclaim {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

// client_golang's DefBuckets.
const Histogram::BucketBoundaries& RequestBuckets() {
  static const auto* b = new Histogram::BucketBoundaries{.005, .01, .025, .05, .1, .25, .5,
                                                         1,    2.5, 5,    10};
  return *b;
}
// Prunes and transfers run from milliseconds to many minutes.
const Histogram::BucketBoundaries& OperationBuckets() {
  static const auto* b = new Histogram::BucketBoundaries{.01, .05, .1, .25, .5, 1,  2.5, 5,
                                                         10,  30,  60, 120, 300, 600, 1800};
  return *b;
}

bool IsPrune(const std::string& kind) { return kind == "image_prune" || kind == "container_prune"; }

}  // namespace

struct Metrics::Families {
  explicit Families(prometheus::Registry& r)
      : build_info(BuildGauge().Name("reclaim_build_info")
                       .Help("reclaim's version; the value is always 1")
                       .Register(r)),
        prune_runs(BuildCounter().Name("reclaim_prune_runs_total")
                       .Help("Prunes run, by kind (image, container) and result (success, error)")
                       .Register(r)),
        prune_duration(BuildHistogram().Name("reclaim_prune_duration_seconds")
                           .Help("How long prunes took, by kind")
                           .Register(r)),
        prune_reclaimed(BuildCounter().Name("reclaim_prune_reclaimed_bytes_total")
                            .Help("Bytes prunes freed, by kind (leftovers they collected included)")
                            .Register(r)),
        prune_deleted(BuildCounter().Name("reclaim_prune_deleted_total")
                          .Help("Image records or containers prunes deleted, by kind")
                          .Register(r)),
        last_prune(BuildGauge().Name("reclaim_last_successful_prune_timestamp_seconds")
                       .Help("Unix time of the last prune that succeeded, by kind")
                       .Register(r)),
        transfers(BuildCounter().Name("reclaim_transfers_total")
                      .Help("Pulls, pushes, loads, saves and imports, by result")
                      .Register(r)),
        transfer_bytes(BuildCounter().Name("reclaim_transfer_bytes_total")
                           .Help("Bytes transfers moved (fetched, read or written), by operation")
                           .Register(r)),
        transfer_duration(BuildHistogram().Name("reclaim_transfer_duration_seconds")
                              .Help("How long transfers took, by operation")
                              .Register(r)),
        requests(BuildCounter().Name("reclaim_api_requests_total")
                     .Help("Docker API requests, by route and status code")
                     .Register(r)),
        request_duration(BuildHistogram().Name("reclaim_api_request_duration_seconds")
                             .Help("Docker API request latency, by route")
                             .Register(r)),
        images(BuildGauge().Name("reclaim_images")
                   .Help("Image IDs in the store, read at scrape")
                   .Register(r)
                   .Add({})),
        store_bytes(BuildGauge().Name("reclaim_store_bytes")
                        .Help("Bytes in the store by kind (content, snapshots), read at scrape")
                        .Register(r)),
        store_errors(BuildCounter().Name("reclaim_store_read_errors_total")
                         .Help("Scrapes that could not read the store's figures")
                         .Register(r)
                         .Add({})) {}

  Family<Gauge>& build_info;
  Family<Counter>& prune_runs;
  Family<Histogram>& prune_duration;
  Family<Counter>& prune_reclaimed;
  Family<Counter>& prune_deleted;
  Family<Gauge>& last_prune;
  Family<Counter>& transfers;
  Family<Counter>& transfer_bytes;
  Family<Histogram>& transfer_duration;
  Family<Counter>& requests;
  Family<Histogram>& request_duration;
  Gauge& images;
  Family<Gauge>& store_bytes;
  Counter& store_errors;
};

Metrics::Metrics(MetricsOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      registry_(std::make_shared<prometheus::Registry>()),
      f_(std::make_unique<Families>(*registry_)) {
  f_->build_info.Add({{"version", options_.version}}).Set(1);
  // Series a dashboard expects from the start read 0, not absent.
  for (const char* kind : {"image", "container"}) {
    for (const char* result : {"success", "error"}) {
      f_->prune_runs.Add({{"kind", kind}, {"result", result}});
    }
    f_->prune_reclaimed.Add({{"kind", kind}});
  }
}

Metrics::~Metrics() = default;

void Metrics::Finished(const OperationRecord& r) {
  const double seconds = absl::ToDoubleSeconds(r.duration);
  const std::string result = r.ok ? "success" : "error";
  if (IsPrune(r.kind)) {
    const std::string kind = r.kind.substr(0, r.kind.find('_'));
    f_->prune_runs.Add({{"kind", kind}, {"result", result}}).Increment();
    f_->prune_duration.Add({{"kind", kind}}, OperationBuckets()).Observe(seconds);
    if (!r.ok) return;
    f_->prune_reclaimed.Add({{"kind", kind}}).Increment(static_cast<double>(r.bytes));
    f_->prune_deleted.Add({{"kind", kind}}).Increment(static_cast<double>(r.items));
    f_->last_prune.Add({{"kind", kind}}).Set(absl::ToDoubleSeconds(clock_.Now() - absl::UnixEpoch()));
    return;
  }
  f_->transfers.Add({{"operation", r.kind}, {"result", result}}).Increment();
  f_->transfer_duration.Add({{"operation", r.kind}}, OperationBuckets()).Observe(seconds);
  if (r.ok) f_->transfer_bytes.Add({{"operation", r.kind}}).Increment(static_cast<double>(r.bytes));
}

void Metrics::ObserveRequest(std::string_view route, int status, absl::Duration latency) {
  const std::string label(route);
  f_->requests.Add({{"route", label}, {"code", std::to_string(status)}}).Increment();
  f_->request_duration.Add({{"route", label}}, RequestBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

std::string Metrics::Scrape() {
  if (options_.store) {
    absl::StatusOr<StoreFigures> figures = options_.store();
    if (figures.ok()) {
      f_->images.Set(static_cast<double>(figures->images));
      f_->store_bytes.Add({{"kind", "content"}}).Set(static_cast<double>(figures->content_bytes));
      f_->store_bytes.Add({{"kind", "snapshots"}}).Set(static_cast<double>(figures->snapshot_bytes));
    } else {
      f_->store_errors.Increment();
    }
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace reclaim
