# Durable triggers. Every job POSTs to the service with an OIDC token of the scheduler account;
# the routes are idempotent (leases in Firestore), so a late or doubled run is harmless.
# Every deadline stays within the Cloud Run request timeout (var.request_timeout_seconds, 900 s by
# default): past it Cloud Run has already answered 504, so a longer deadline would only have
# Scheduler wait, then retry while the first run may still be going. The precondition below holds
# this for any variable values; tools/terraform/check.ts checks the defaults offline.
locals {
  scheduler_jobs = {
    # The durable half of the debounce: flushes whatever in-process timers missed (scale-in,
    # throttled CPU). A skipped run is made up by the next one, so no retries.
    flush = {
      path        = "/tasks/flush"
      schedule    = "* * * * *"
      deadline    = "180s"
      retries     = 0
      description = "Flush pending product changes whose debounce window has passed"
    }
    reconcile-webhooks = {
      path        = "/tasks/reconcile-webhooks"
      schedule    = var.reconcile_webhooks_schedule
      deadline    = "300s"
      retries     = 2
      description = "Re-create missing or deactivated BigCommerce webhooks"
    }
    full-sync = {
      path        = "/tasks/full-sync"
      schedule    = var.full_sync_schedule
      deadline    = "900s"
      retries     = 2
      description = "Re-evaluate every product against the category rules"
    }
  }
}

resource "google_cloud_scheduler_job" "tasks" {
  for_each = local.scheduler_jobs

  name             = "${var.service_name}-${each.key}"
  description      = each.value.description
  region           = var.region
  schedule         = each.value.schedule
  time_zone        = var.scheduler_time_zone
  attempt_deadline = each.value.deadline

  retry_config {
    retry_count          = each.value.retries
    min_backoff_duration = "30s"
    max_backoff_duration = "300s"
  }

  http_target {
    uri         = "${google_cloud_run_v2_service.main.uri}${each.value.path}"
    http_method = "POST"
    # A JSON body with its content type: without one Fastify would see an untyped POST.
    body = base64encode("{}")
    headers = {
      "Content-Type" = "application/json"
    }

    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = local.push_audience
    }
  }

  lifecycle {
    precondition {
      condition     = tonumber(trimsuffix(each.value.deadline, "s")) <= var.request_timeout_seconds
      error_message = "The attempt deadline of a Scheduler job must not exceed the Cloud Run request timeout (request_timeout_seconds)."
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.scheduler_invoker]
}
