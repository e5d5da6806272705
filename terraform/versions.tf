terraform {
  # 1.5: `check` blocks and lifecycle preconditions, which the functions use.
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region

  # Identity Platform and API Keys refuse user credentials (gcloud auth application-default login)
  # without a quota project: bill every call to the project being deployed.
  user_project_override = true
  billing_project       = var.project_id
}

data "google_project" "this" {
  project_id = var.project_id
}
