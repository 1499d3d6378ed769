output "bigcommerce_destination" {
  description = "The exact Pub/Sub destination string to give BigCommerce (projects/P/topics/T); also the service's WEBHOOK_TOPIC."
  value       = google_pubsub_topic.webhooks.id
}

output "service_url" {
  description = "Cloud Run service URL (private unless public_callbacks = true). Use it as app_url for the OAuth callbacks."
  value       = google_cloud_run_v2_service.main.uri
}

output "service_name" {
  description = "Cloud Run service name (cloudbuild.yaml substitution _SERVICE)."
  value       = google_cloud_run_v2_service.main.name
}

output "region" {
  description = "Region of the service, the repository and the jobs (cloudbuild.yaml substitution _REGION)."
  value       = var.region
}

output "push_subscription" {
  description = "The push subscription delivering webhooks to the service."
  value       = google_pubsub_subscription.push.id
}

output "push_audience" {
  description = "Audience of the OIDC tokens sent by Pub/Sub and Cloud Scheduler (listed in the service's custom_audiences; PUSH_AUDIENCE)."
  value       = local.push_audience
}

output "dead_letter_topic" {
  description = "Dead-letter topic of the push subscription."
  value       = google_pubsub_topic.dead_letter.id
}

output "dead_letter_subscription" {
  description = "Pull subscription holding dead letters; DEAD_LETTER_SUBSCRIPTION for `npm run cli -- dead-letter ...`."
  value       = google_pubsub_subscription.dead_letter.id
}

output "artifact_repository" {
  description = "Docker repository path images are pushed to (cloudbuild.yaml substitution _REPOSITORY is its last segment)."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "runtime_service_account" {
  description = "Service account the Cloud Run service runs as."
  value       = google_service_account.runtime.email
}

output "push_service_account" {
  description = "Service account in the push subscription's OIDC tokens (PUSH_SERVICE_ACCOUNT)."
  value       = google_service_account.push.email
}

output "scheduler_service_account" {
  description = "Service account in the Cloud Scheduler jobs' OIDC tokens (SCHEDULER_SERVICE_ACCOUNT)."
  value       = google_service_account.scheduler.email
}

output "build_service_account" {
  description = "Service account to run the Cloud Build trigger as (deploys by digest)."
  value       = google_service_account.build.id
}

output "secret_ids" {
  description = "Secret Manager secret ids by purpose; add their values with `gcloud secrets versions add`."
  value       = { for k, s in google_secret_manager_secret.app : k => s.secret_id }
}

output "scheduler_jobs" {
  description = "Cloud Scheduler job names by task."
  value       = { for k, j in google_cloud_scheduler_job.tasks : k => j.name }
}
