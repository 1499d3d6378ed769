terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Pinned to 6.x on purpose: the offline checker (tools/terraform/check.ts) validates this config
      # against a schema extracted from the CDKTF bindings of provider 6.50.0, the last ones published.
      # Moving to 7.x is fine once `terraform validate` runs against the real provider (see README).
      version = "~> 6.50"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
