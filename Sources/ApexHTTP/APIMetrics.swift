import Metrics

/// The API's own metrics, beside the per-route request counters and latency histograms of `RequestMetricsMiddleware`.
enum ErrorMetrics {
    static func record(_ error: APIError) {
        Counter(label: "apex_http_errors_total", dimensions: [("code", error.code), ("status", String(error.status.code))]).increment()
    }
}

enum IngestMetrics {
    static func record(records: Int) {
        Counter(label: "apex_records_ingested_total").increment(by: records)
    }
}
