variable "project_id" {
  type        = string
  description = "Google Cloud project that holds everything (Pub/Sub, Cloud Run, Firestore, secrets)."
}

variable "region" {
  type        = string
  description = "Region for Cloud Run, Artifact Registry and Cloud Scheduler."
  default     = "us-central1"
}

variable "service_name" {
  type        = string
  description = "Cloud Run service name; also the prefix of the service accounts, metrics and jobs."
  default     = "bc-webhook-consumer"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.service_name))
    error_message = "service_name must be 2-20 chars of a-z, 0-9 and '-' (it prefixes service account ids, which are capped at 30 chars)."
  }
}

variable "initial_image" {
  type        = string
  description = "Image for the first revision only. Cloud Build deploys every later image by digest, and Terraform ignores image changes."
  default     = "us-docker.pkg.dev/cloudrun/container/hello"
}

variable "artifact_repository_id" {
  type        = string
  description = "Artifact Registry Docker repository that Cloud Build pushes the service image to."
  default     = "bc-webhooks"
}

variable "webhook_topic_name" {
  type        = string
  description = "Pub/Sub topic BigCommerce publishes store webhooks to."
  default     = "bigcommerce-webhooks"
}

variable "dead_letter_topic_name" {
  type        = string
  description = "Pub/Sub topic that receives messages the push subscription gave up on."
  default     = "bigcommerce-webhooks-dead-letter"
}

variable "bigcommerce_publisher_service_account" {
  type        = string
  description = "Identity BigCommerce publishes webhooks with; it gets roles/pubsub.publisher on the webhook topic only."
  default     = "webhook-deliveries@bigcommerce-platform.iam.gserviceaccount.com"
}

variable "push_ack_deadline_seconds" {
  type        = number
  description = "Ack deadline of the push subscription. For push it IS the HTTP timeout of each delivery; the push path answers within PUSH_STORE_BUDGET_MS (5 s default)."
  default     = 60

  validation {
    condition     = var.push_ack_deadline_seconds >= 10 && var.push_ack_deadline_seconds <= 600
    error_message = "push_ack_deadline_seconds must be between 10 and 600."
  }
}

variable "push_retry_minimum_backoff_seconds" {
  type        = number
  description = "Minimum delay before Pub/Sub redelivers a nacked push."
  default     = 10

  validation {
    condition     = var.push_retry_minimum_backoff_seconds >= 0 && var.push_retry_minimum_backoff_seconds <= 600
    error_message = "push_retry_minimum_backoff_seconds must be between 0 and 600."
  }
}

variable "push_retry_maximum_backoff_seconds" {
  type        = number
  description = "Maximum delay between redeliveries of a nacked push (exponential between min and max)."
  default     = 600

  validation {
    condition     = var.push_retry_maximum_backoff_seconds >= 0 && var.push_retry_maximum_backoff_seconds <= 600
    error_message = "push_retry_maximum_backoff_seconds must be between 0 and 600."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries (1 + nacks + deadline expiries) before a message moves to the dead-letter topic."
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub limits)."
  }
}

variable "dead_letter_retention_days" {
  type        = number
  description = "How long unacked messages stay on the dead-letter pull subscription for inspection and replay."
  default     = 31

  validation {
    condition     = var.dead_letter_retention_days >= 1 && var.dead_letter_retention_days <= 31
    error_message = "dead_letter_retention_days must be between 1 and 31 (Pub/Sub limits)."
  }
}

variable "cpu_idle" {
  type        = bool
  description = <<-EOT
    true = request-based billing: CPU only while a request is in flight, so the in-process debounce
    timers are best effort and the every-minute Scheduler sweep (POST /tasks/flush) is what makes
    flushing durable. false = instance-based billing: timers fire on time (pair it with
    min_instance_count >= 1), at the price of paying for idle CPU around the clock.
  EOT
  default     = true
}

variable "min_instance_count" {
  type        = number
  description = "Instances kept warm. 0 lets the service scale to zero; use >= 1 with cpu_idle = false."
  default     = 0
}

variable "max_instance_count" {
  type        = number
  description = "Upper bound on instances. Caps concurrent BigCommerce traffic too; size it to the store API quota rather than letting pushes nack."
  default     = 10
}

variable "container_concurrency" {
  type        = number
  description = "Concurrent requests per instance (the push path is I/O bound: a Firestore commit)."
  default     = 80

  validation {
    condition     = var.container_concurrency >= 1 && var.container_concurrency <= 1000
    error_message = "container_concurrency must be between 1 and 1000."
  }
}

variable "cpu" {
  type        = string
  description = "CPU limit per instance (at least 1 for concurrency above 1)."
  default     = "1"
}

variable "memory" {
  type        = string
  description = "Memory limit per instance."
  default     = "512Mi"
}

variable "request_timeout_seconds" {
  type        = number
  description = "Cloud Run request timeout. Bounds /tasks/full-sync; Pub/Sub pushes are bounded by the ack deadline instead."
  default     = 900

  validation {
    condition     = var.request_timeout_seconds >= 60 && var.request_timeout_seconds <= 3600
    error_message = "request_timeout_seconds must be between 60 and 3600."
  }
}

variable "public_callbacks" {
  type        = bool
  description = <<-EOT
    false (default): the service is private; Cloud Run IAM lets only the push and Scheduler accounts in
    and the app checks token claims (PUSH_AUTH=iam). true: needed for the multi-store BigCommerce app
    callbacks (GET /auth, /load, /uninstall come from browsers and BigCommerce); Cloud Run IAM is
    switched off and the app verifies every push/task token itself (PUSH_AUTH=oidc).
  EOT
  default     = false
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Cloud Run service, the Firestore database and the secrets from terraform destroy."
  default     = true
}

variable "firestore_location_id" {
  type        = string
  description = "Firestore location (multi-region like nam5/eur3 or a region). Immutable after creation."
  default     = "nam5"
}

variable "firestore_database_id" {
  type        = string
  description = "Firestore database id; \"(default)\" unless the project's default database is used by something else."
  default     = "(default)"
}

variable "bigcommerce_client_id" {
  type        = string
  description = "BigCommerce app client id (plain env BIGCOMMERCE_CLIENT_ID); empty to leave it unset."
  default     = ""
}

variable "bigcommerce_store_hash" {
  type        = string
  description = "Single-store mode: the store hash. When set, the access-token secret is wired as BIGCOMMERCE_ACCESS_TOKEN."
  default     = ""
}

variable "app_url" {
  type        = string
  description = "Public base URL of the service for the OAuth redirect (APP_URL). Empty on the first apply; set it to the service_url output (or a custom domain) afterwards."
  default     = ""
}

variable "category_rules_file" {
  type        = string
  description = "Path of the category rules JSON inside the image (CATEGORY_RULES_FILE); empty to leave it unset."
  default     = ""
}

variable "log_level" {
  type        = string
  description = "pino log level of the service."
  default     = "info"

  validation {
    condition     = contains(["fatal", "error", "warn", "info", "debug", "trace", "silent"], var.log_level)
    error_message = "log_level must be one of fatal, error, warn, info, debug, trace, silent."
  }
}

variable "scheduler_time_zone" {
  type        = string
  description = "Time zone of the Cloud Scheduler cron expressions."
  default     = "Etc/UTC"
}

variable "reconcile_webhooks_schedule" {
  type        = string
  description = "Cron schedule of POST /tasks/reconcile-webhooks (re-creates missing or deactivated BigCommerce hooks)."
  default     = "*/15 * * * *"
}

variable "full_sync_schedule" {
  type        = string
  description = "Cron schedule of the daily POST /tasks/full-sync (catches anything webhooks missed)."
  default     = "17 3 * * *"
}

variable "notification_channels" {
  type        = list(string)
  description = "Cloud Monitoring notification channel ids (projects/P/notificationChannels/N) the alerts notify."
  default     = []
}

variable "alert_oldest_unacked_seconds" {
  type        = number
  description = "Alert when the oldest unacked push message is older than this."
  default     = 900
}

variable "alert_rate_limit_wait_p95_ms" {
  type        = number
  description = "Alert when the 95th percentile of BigCommerce rate-limit waits over 15 minutes exceeds this."
  default     = 15000
}
