locals {
  # Every API the deployment uses. Redis adds Memorystore, the Serverless VPC Access connector and
  # Compute (the network it peers with) only when enabled.
  services = toset(concat([
    "artifactregistry.googleapis.com", # the functions' images
    "apikeys.googleapis.com",          # the web client's browser key
    "cloudbuild.googleapis.com",       # builds the functions from the source zip
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com", # project IAM bindings
    "cloudscheduler.googleapis.com",
    "cloudtasks.googleapis.com",
    "cloudtrace.googleapis.com",
    "firebaserules.googleapis.com", # Firestore security rules
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "identitytoolkit.googleapis.com", # Identity Platform (Firebase Auth)
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com", # Cloud Functions gen2 run as Cloud Run services
    "secretmanager.googleapis.com",
    "securetoken.googleapis.com", # refreshes Firebase ID tokens
    "storage.googleapis.com",
    "telemetry.googleapis.com", # OTLP traces and metrics from the functions
  ], var.enable_redis ? ["compute.googleapis.com", "redis.googleapis.com", "vpcaccess.googleapis.com"] : []))
}

resource "google_project_service" "enabled" {
  for_each = local.services
  project  = var.project_id
  service  = each.value

  # Other things in the project may use these APIs: destroying this deployment leaves them on.
  disable_on_destroy = false
}
