# Log-based metrics over the service's constant log messages (pino JSON, `message` field), alert
# policies, and one dashboard. Metric names are prefixed with the service name so that several
# deployments can share a project.

locals {
  run_logs = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.service_name}\""

  # Counters: one log line = one event.
  log_counters = {
    flush-failures = {
      filter      = "jsonPayload.message=\"flush failed\" AND severity>=ERROR"
      description = "Flushes that failed (log 'flush failed', ERROR)"
    }
    events-rejected = {
      filter      = "jsonPayload.message=\"event rejected\""
      description = "Pushes acked but rejected as permanently invalid (log 'event rejected')"
    }
    products-given-up = {
      filter      = "jsonPayload.message=\"product given up\""
      description = "Products the flush stopped retrying (log 'product given up')"
    }
  }

  metric_prefix = "logging.googleapis.com/user/${var.service_name}"
}

resource "google_logging_metric" "counters" {
  for_each = local.log_counters

  name        = "${var.service_name}/${each.key}"
  description = each.value.description
  filter      = "${local.run_logs} AND ${each.value.filter}"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"
  }

  depends_on = [google_project_service.apis]
}

# How long the BigCommerce client waited for the store's rate-limit window (field waitMs).
resource "google_logging_metric" "rate_limit_wait" {
  name            = "${var.service_name}/bigcommerce-rate-limit-wait"
  description     = "BigCommerce rate-limit waits in ms (log 'bigcommerce rate limit wait', field waitMs)"
  filter          = "${local.run_logs} AND jsonPayload.message=\"bigcommerce rate limit wait\""
  value_extractor = "EXTRACT(jsonPayload.waitMs)"

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "DISTRIBUTION"
    unit        = "ms"
  }

  bucket_options {
    exponential_buckets {
      num_finite_buckets = 16
      growth_factor      = 2
      scale              = 50
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "push_backlog" {
  display_name          = "${var.service_name}: webhook backlog is growing old"
  combiner              = "OR"
  notification_channels = var.notification_channels
  severity              = "ERROR"

  conditions {
    display_name = "Oldest unacked push message older than ${var.alert_oldest_unacked_seconds}s"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.push.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_oldest_unacked_seconds
      duration        = "300s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Pushes are not being acked: check the service's 5xx and 'flush failed' logs, Cloud Run instance limits and Firestore availability. Messages keep retrying until they dead-letter after ${var.max_delivery_attempts} attempts."
  }
}

resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "${var.service_name}: webhooks dead-lettered"
  combiner              = "OR"
  notification_channels = var.notification_channels
  severity              = "ERROR"

  conditions {
    display_name = "Messages waiting on ${google_pubsub_subscription.dead_letter.name}"
    condition_threshold {
      filter          = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.dead_letter.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "60s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "Inspect with `npm run cli -- dead-letter list --subscription ${google_pubsub_subscription.dead_letter.id}`, fix the cause, then `npm run cli -- dead-letter replay --all`. The alert clears when the subscription is empty."
  }
}

resource "google_monitoring_alert_policy" "flush_failures" {
  display_name          = "${var.service_name}: flushes failing"
  combiner              = "OR"
  notification_channels = var.notification_channels
  severity              = "ERROR"

  conditions {
    display_name = "'flush failed' logged in the last 10 minutes"
    condition_threshold {
      filter          = "resource.type=\"cloud_run_revision\" AND metric.type=\"${local.metric_prefix}/flush-failures\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The flush loop logged 'flush failed'. Pending products stay in Firestore and are retried by the next sweep; check the error field in the logs (BigCommerce 5xx/auth, Firestore)."
  }

  depends_on = [google_logging_metric.counters]
}

resource "google_monitoring_alert_policy" "rate_limit_waits" {
  display_name          = "${var.service_name}: BigCommerce rate-limit waits are long"
  combiner              = "OR"
  notification_channels = var.notification_channels
  severity              = "WARNING"

  conditions {
    display_name = "p95 rate-limit wait above ${var.alert_rate_limit_wait_p95_ms} ms over 15 minutes"
    condition_threshold {
      filter          = "resource.type=\"cloud_run_revision\" AND metric.type=\"logging.googleapis.com/user/${google_logging_metric.rate_limit_wait.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_rate_limit_wait_p95_ms
      duration        = "0s"
      aggregations {
        alignment_period     = "900s"
        per_series_aligner   = "ALIGN_PERCENTILE_95"
        cross_series_reducer = "REDUCE_MAX"
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = "The store's API quota is saturated (other apps, a full sync, or too many instances). Consider lowering max_instance_count or BC_FETCH_CONCURRENCY."
  }
}

resource "google_monitoring_dashboard" "main" {
  dashboard_json = jsonencode({
    displayName = "${var.service_name} - BigCommerce webhooks"
    mosaicLayout = {
      columns = 12
      tiles = [
        for i, w in [
          { title = "Oldest unacked push message (s)", filter = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.push.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\"", aligner = "ALIGN_MAX", reducer = "REDUCE_NONE" },
          { title = "Push responses by class", filter = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.push.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/push_request_count\"", aligner = "ALIGN_RATE", reducer = "REDUCE_NONE" },
          { title = "Dead-letter queue depth", filter = "resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=\"${google_pubsub_subscription.dead_letter.name}\" AND metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\"", aligner = "ALIGN_MAX", reducer = "REDUCE_NONE" },
          { title = "Flush failures", filter = "resource.type=\"cloud_run_revision\" AND metric.type=\"${local.metric_prefix}/flush-failures\"", aligner = "ALIGN_DELTA", reducer = "REDUCE_SUM" },
          { title = "Events rejected", filter = "resource.type=\"cloud_run_revision\" AND metric.type=\"${local.metric_prefix}/events-rejected\"", aligner = "ALIGN_DELTA", reducer = "REDUCE_SUM" },
          { title = "Products given up", filter = "resource.type=\"cloud_run_revision\" AND metric.type=\"${local.metric_prefix}/products-given-up\"", aligner = "ALIGN_DELTA", reducer = "REDUCE_SUM" },
          { title = "BigCommerce rate-limit wait p95 (ms)", filter = "resource.type=\"cloud_run_revision\" AND metric.type=\"logging.googleapis.com/user/${google_logging_metric.rate_limit_wait.name}\"", aligner = "ALIGN_PERCENTILE_95", reducer = "REDUCE_MAX" },
          { title = "Cloud Run requests by response class", filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.service_name}\" AND metric.type=\"run.googleapis.com/request_count\"", aligner = "ALIGN_RATE", reducer = "REDUCE_NONE" },
          { title = "Cloud Run instances", filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.service_name}\" AND metric.type=\"run.googleapis.com/container/instance_count\"", aligner = "ALIGN_MAX", reducer = "REDUCE_SUM" },
          ] : {
          xPos   = (i % 2) * 6
          yPos   = floor(i / 2) * 4
          width  = 6
          height = 4
          widget = {
            title = w.title
            xyChart = {
              dataSets = [{
                plotType = "LINE"
                timeSeriesQuery = {
                  timeSeriesFilter = {
                    filter      = w.filter
                    aggregation = { alignmentPeriod = "60s", perSeriesAligner = w.aligner, crossSeriesReducer = w.reducer }
                  }
                }
              }]
            }
          }
        }
      ]
    }
  })

  depends_on = [google_logging_metric.counters, google_logging_metric.rate_limit_wait]
}
