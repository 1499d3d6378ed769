# BigCommerce -> webhook topic -> push subscription -> Cloud Run; failures -> dead-letter topic ->
# pull subscription that keeps them for inspection and replay (`npm run cli -- dead-letter ...`).

resource "google_pubsub_topic" "webhooks" {
  name       = var.webhook_topic_name
  depends_on = [google_project_service.apis]
}

# BigCommerce publishes with its own account; without this grant it rejects the webhook
# ("Publisher permissions not granted for '<topic>'") and deactivates existing ones.
resource "google_pubsub_topic_iam_member" "bigcommerce_publisher" {
  topic  = google_pubsub_topic.webhooks.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${var.bigcommerce_publisher_service_account}"
}

resource "google_pubsub_topic" "dead_letter" {
  name       = var.dead_letter_topic_name
  depends_on = [google_project_service.apis]
}

# A dead-letter topic without a subscription drops what it receives, so this one must exist.
# Nobody consumes it automatically: an alert fires, a human looks, then replays or acks.
resource "google_pubsub_subscription" "dead_letter" {
  name                       = "${var.dead_letter_topic_name}-pull"
  topic                      = google_pubsub_topic.dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = "${var.dead_letter_retention_days * 86400}s"
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "push" {
  name  = "${var.webhook_topic_name}-push"
  topic = google_pubsub_topic.webhooks.id

  # For push this is the HTTP timeout of every delivery (it cannot be extended per message).
  ack_deadline_seconds = var.push_ack_deadline_seconds

  # An idle subscription would otherwise be deleted after 31 days, silently dropping webhooks.
  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "${var.push_retry_minimum_backoff_seconds}s"
    maximum_backoff = "${var.push_retry_maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  push_config {
    push_endpoint = "${google_cloud_run_v2_service.main.uri}/pubsub/push"

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.push_audience
    }
  }

  # The agent grants must exist before the first message is dead-lettered.
  depends_on = [
    google_pubsub_topic_iam_member.pubsub_agent_publishes_dead_letters,
    google_service_account_iam_member.pubsub_agent_mints_push_tokens,
  ]
}

# Dead-lettering needs both: the agent publishes to the dead-letter topic and acks on the source.
resource "google_pubsub_topic_iam_member" "pubsub_agent_publishes_dead_letters" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_acks_source" {
  subscription = google_pubsub_subscription.push.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
