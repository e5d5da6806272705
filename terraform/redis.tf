# Optional L1 cache in front of Firestore (enable_redis). Memorystore is reachable only inside the
# VPC, so the functions get a Serverless VPC Access connector and send private ranges through it.
# Without it REDIS_URL stays unset and the queue runs on Firestore alone, with the same semantics.

data "google_compute_network" "redis" {
  count      = var.enable_redis ? 1 : 0
  name       = var.network
  depends_on = [google_project_service.enabled]
}

resource "google_vpc_access_connector" "redis" {
  count         = var.enable_redis ? 1 : 0
  name          = "${var.name_prefix}-connector"
  region        = var.region
  network       = var.network
  ip_cidr_range = var.vpc_connector_cidr
  machine_type  = "e2-micro"
  min_instances = 2
  max_instances = 3
  depends_on    = [google_project_service.enabled]
}

resource "google_redis_instance" "cache" {
  count              = var.enable_redis ? 1 : 0
  name               = "${var.name_prefix}-cache"
  region             = var.region
  tier               = "BASIC" # a cache: losing it costs Firestore reads, never correctness
  memory_size_gb     = var.redis_memory_size_gb
  redis_version      = "REDIS_7_2"
  authorized_network = data.google_compute_network.redis[0].id
  connect_mode       = "DIRECT_PEERING"
  auth_enabled       = true
  depends_on         = [google_project_service.enabled]
}

# REDIS_URL carries the AUTH string, so it reaches the functions as a secret, not a plain variable.
resource "google_secret_manager_secret" "redis_url" {
  count     = var.enable_redis ? 1 : 0
  secret_id = "${var.name_prefix}-redis-url"
  replication {
    auto {}
  }
  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "redis_url" {
  count       = var.enable_redis ? 1 : 0
  secret      = google_secret_manager_secret.redis_url[0].id
  secret_data = "redis://:${google_redis_instance.cache[0].auth_string}@${google_redis_instance.cache[0].host}:${google_redis_instance.cache[0].port}"
}

resource "google_secret_manager_secret_iam_member" "redis_url" {
  for_each  = var.enable_redis ? local.function_accounts : {}
  secret_id = google_secret_manager_secret.redis_url[0].id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}
