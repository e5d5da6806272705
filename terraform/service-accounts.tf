# One service account per role, so every grant names exactly who needs it. No basic roles (owner,
# editor, viewer) anywhere; resource-level grants (queue, topic, secret, account) wherever the
# resource supports IAM.

resource "google_service_account" "api" {
  account_id   = "${var.name_prefix}-api"
  display_name = "Generation queue: api function"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "process_job" {
  account_id   = "${var.name_prefix}-process-job"
  display_name = "Generation queue: processJob function"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "sweep" {
  account_id   = "${var.name_prefix}-sweep"
  display_name = "Generation queue: sweep function"
  depends_on   = [google_project_service.enabled]
}

# The identity Cloud Tasks signs each delivery's OIDC token as: the only invoker of processJob.
resource "google_service_account" "tasks_invoker" {
  account_id   = "${var.name_prefix}-tasks-invoker"
  display_name = "Generation queue: Cloud Tasks deliveries to processJob"
  depends_on   = [google_project_service.enabled]
}

# The identity Cloud Scheduler calls the sweeper as: the only invoker of sweep.
resource "google_service_account" "scheduler" {
  account_id   = "${var.name_prefix}-scheduler"
  display_name = "Generation queue: Cloud Scheduler runs of sweep"
  depends_on   = [google_project_service.enabled]
}

# Builds the functions' images, instead of the project's default compute account (often Editor).
resource "google_service_account" "builder" {
  account_id   = "${var.name_prefix}-builder"
  display_name = "Generation queue: Cloud Build of the functions"
  depends_on   = [google_project_service.enabled]
}

locals {
  # The functions' own accounts: all three read and write Firestore, publish job events, and carry
  # out lifecycle decisions, which enqueue (next attempt, sweeper rescue) and delete (cancel) tasks.
  function_accounts = {
    api         = google_service_account.api
    process_job = google_service_account.process_job
    sweep       = google_service_account.sweep
  }
}

# Firestore has no per-database IAM on these roles: project level, Firestore only.
resource "google_project_iam_member" "firestore_user" {
  for_each = local.function_accounts
  project  = var.project_id
  role     = "roles/datastore.user"
  member   = each.value.member
}

# Telemetry: the preload (shared/telemetry/preload.ts) exports spans over OTLP to the Telemetry API
# and counters and histograms to Cloud Monitoring, as the function's own account.
resource "google_project_iam_member" "traces_writer" {
  for_each = local.function_accounts
  project  = var.project_id
  role     = "roles/telemetry.tracesWriter"
  member   = each.value.member
}

resource "google_project_iam_member" "metric_writer" {
  for_each = local.function_accounts
  project  = var.project_id
  role     = "roles/monitoring.metricWriter"
  member   = each.value.member
}

# Minting a task's OIDC token as the tasks invoker needs actAs on that one account, not the project.
resource "google_service_account_iam_member" "enqueue_as_tasks_invoker" {
  for_each           = local.function_accounts
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value.member
}

# The builder: Cloud Build's own role (read the source, push to Artifact Registry, write build logs).
resource "google_project_iam_member" "builder" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = google_service_account.builder.member
}

# Operator routes check whether an admin's token was revoked, which reads the user from Firebase
# Auth (firebase-admin verifyIdToken with checkRevoked).
resource "google_project_iam_member" "api_auth_viewer" {
  project = var.project_id
  role    = "roles/firebaseauth.viewer"
  member  = google_service_account.api.member
}
