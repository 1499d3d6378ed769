# Project-wide pieces: the APIs everything else needs, and names shared across files.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  apis = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
  ]

  # The Pub/Sub service agent forwards dead letters and mints the push OIDC tokens. Built from the
  # project number because google_project_service_identity exists only in google-beta.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Audience of every OIDC token sent to the service (Pub/Sub push and Cloud Scheduler).
  # Why not the service URL: it is only known after the service exists, yet the service's own env
  # (PUSH_AUDIENCE) must carry it, which is a cycle. A custom audience is a fixed string we choose:
  # Cloud Run accepts it because it is listed in custom_audiences, the app compares `aud` with it,
  # and the push subscription and the Scheduler jobs send it. Renaming the service keeps it stable.
  push_audience = "https://${var.service_name}.${var.project_id}.push.invalid"
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)

  project = var.project_id
  service = each.value
  # Turning an API off on destroy would break anything else in the project that uses it.
  disable_on_destroy = false
}
