# Identities. Each caller gets its own account so Cloud Run IAM and the app can tell them apart,
# and each grant is scoped to the single resource it is for.

resource "google_service_account" "runtime" {
  account_id   = "${var.service_name}-run"
  display_name = "BigCommerce webhook consumer (Cloud Run runtime)"
  description  = "Runs the service: Firestore read/write, reads its own secrets. Nothing else."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "push" {
  account_id   = "${var.service_name}-push"
  display_name = "BigCommerce webhook consumer (Pub/Sub push)"
  description  = "Identity in the OIDC token of the push subscription; may only invoke the service."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "scheduler" {
  account_id   = "${var.service_name}-cron"
  display_name = "BigCommerce webhook consumer (Cloud Scheduler)"
  description  = "Identity in the OIDC token of the /tasks/* jobs; may only invoke the service."
  depends_on   = [google_project_service.apis]
}

resource "google_service_account" "build" {
  account_id   = "${var.service_name}-build"
  display_name = "BigCommerce webhook consumer (Cloud Build deploy)"
  description  = "Runs cloudbuild.yaml: pushes images to the repository and rolls the service to a new digest."
  depends_on   = [google_project_service.apis]
}

# Firestore access. Project wide on purpose: per-database IAM conditions exist but are unverified
# here, and a wrong condition would lock the service out of its own data.
resource "google_project_iam_member" "runtime_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.runtime.member
}

# Pub/Sub projects whose service agent predates 2021-04-08 need this explicitly to mint the push
# OIDC token; newer ones have it through the agent role. Scoped to the push account only.
resource "google_service_account_iam_member" "pubsub_agent_mints_push_tokens" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  project  = var.project_id
  location = google_cloud_run_v2_service.main.location
  name     = google_cloud_run_v2_service.main.name
  role     = "roles/run.invoker"
  member   = google_service_account.push.member
}

resource "google_cloud_run_v2_service_iam_member" "scheduler_invoker" {
  project  = var.project_id
  location = google_cloud_run_v2_service.main.location
  name     = google_cloud_run_v2_service.main.name
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler.member
}

# Cloud Build: deploy = update this one service (run.developer on it), act as its runtime account,
# push to this one repository, write build logs.
resource "google_cloud_run_v2_service_iam_member" "build_deployer" {
  project  = var.project_id
  location = google_cloud_run_v2_service.main.location
  name     = google_cloud_run_v2_service.main.name
  role     = "roles/run.developer"
  member   = google_service_account.build.member
}

resource "google_service_account_iam_member" "build_acts_as_runtime" {
  service_account_id = google_service_account.runtime.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.build.member
}

resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}

resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}
