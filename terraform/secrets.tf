# Secret containers only. Values are added outside Terraform (README), so they never enter state:
#   printf %s "$VALUE" | gcloud secrets versions add <secret_id> --data-file=-
locals {
  secrets = {
    "access-token"         = "BigCommerce store API access token (single-store mode)"
    "client-secret"        = "BigCommerce app client secret (verifies signed payloads, OAuth)"
    "token-encryption-key" = "32-byte key (base64) that encrypts stored per-store access tokens"
  }
}

resource "google_secret_manager_secret" "app" {
  for_each = local.secrets

  secret_id           = "${var.service_name}-${each.key}"
  deletion_protection = var.deletion_protection
  labels = {
    service = var.service_name
  }
  annotations = {
    description = each.value
  }

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_iam_member" "runtime_reads" {
  for_each = local.secrets

  secret_id = google_secret_manager_secret.app[each.key].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.runtime.member
}
