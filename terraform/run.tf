locals {
  # Plain settings that are only set when given (the app treats unset and empty differently).
  optional_env = {
    BIGCOMMERCE_CLIENT_ID  = var.bigcommerce_client_id
    BIGCOMMERCE_STORE_HASH = var.bigcommerce_store_hash
    APP_URL                = var.app_url
    CATEGORY_RULES_FILE    = var.category_rules_file
  }

  # env name -> secret key in local.secrets. The access token only exists in single-store mode.
  secret_env = merge(
    {
      BIGCOMMERCE_CLIENT_SECRET = "client-secret"
      TOKEN_ENCRYPTION_KEY      = "token-encryption-key"
    },
    var.bigcommerce_store_hash == "" ? {} : { BIGCOMMERCE_ACCESS_TOKEN = "access-token" },
  )
}

resource "google_cloud_run_v2_service" "main" {
  name                = var.service_name
  location            = var.region
  deletion_protection = var.deletion_protection

  # Pub/Sub push and Cloud Scheduler reach the service from Google's network, not from a VPC, so
  # ingress stays open and IAM (or, with public_callbacks, the app) is the gate.
  ingress              = "INGRESS_TRAFFIC_ALL"
  invoker_iam_disabled = var.public_callbacks
  custom_audiences     = [local.push_audience]

  template {
    service_account                  = google_service_account.runtime.email
    max_instance_request_concurrency = var.container_concurrency
    timeout                          = "${var.request_timeout_seconds}s"

    scaling {
      min_instance_count = var.min_instance_count
      max_instance_count = var.max_instance_count
    }

    containers {
      image = var.initial_image

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        # Always explicit: once `resources` is set, an omitted cpu_idle means instance-based billing.
        cpu_idle          = var.cpu_idle
        startup_cpu_boost = true
      }

      env {
        name  = "GOOGLE_CLOUD_PROJECT"
        value = var.project_id
      }
      env {
        name  = "FIRESTORE_DATABASE_ID"
        value = google_firestore_database.main.name
      }
      env {
        name  = "LOG_LEVEL"
        value = var.log_level
      }
      env {
        # iam: Cloud Run verified the token and stripped its signature; the app checks the claims.
        # oidc: Cloud Run IAM is off (public_callbacks), so the app verifies the signature itself.
        name  = "PUSH_AUTH"
        value = var.public_callbacks ? "oidc" : "iam"
      }
      env {
        name  = "PUSH_AUDIENCE"
        value = local.push_audience
      }
      env {
        name  = "PUSH_SERVICE_ACCOUNT"
        value = google_service_account.push.email
      }
      env {
        name  = "SCHEDULER_SERVICE_ACCOUNT"
        value = google_service_account.scheduler.email
      }
      env {
        # The exact destination string BigCommerce is given (projects/P/topics/T).
        name  = "WEBHOOK_TOPIC"
        value = google_pubsub_topic.webhooks.id
      }
      env {
        # In-process debounce timers shorten latency when CPU is available; the Scheduler sweep
        # (POST /tasks/flush every minute) is the durable path either way. See var.cpu_idle.
        name  = "FLUSH_TIMERS"
        value = "true"
      }

      dynamic "env" {
        for_each = { for k, v in local.optional_env : k => v if v != "" }
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.secret_env
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.app[env.value].secret_id
              version = "latest"
            }
          }
        }
      }

      startup_probe {
        initial_delay_seconds = 0
        period_seconds        = 2
        timeout_seconds       = 2
        failure_threshold     = 15

        http_get {
          path = "/healthz"
        }
      }
    }
  }

  lifecycle {
    # Cloud Build rolls out new images by digest (cloudbuild.yaml); Terraform must not roll them back.
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [
    google_project_service.apis,
    # The first revision reads the secrets and Firestore as soon as it starts.
    google_secret_manager_secret_iam_member.runtime_reads,
    google_project_iam_member.runtime_firestore,
  ]
}
