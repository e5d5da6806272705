output "api_url" {
  description = "The api function's URL: the CLI's --api and the web client's apiBaseUrl."
  value       = google_cloudfunctions2_function.api.url
}

output "web_url" {
  description = "The web client."
  value       = "https://storage.googleapis.com/${google_storage_bucket.web.name}/index.html"
}

output "process_job_url" {
  description = "processJob's URL (TASK_HANDLER_URL): only Cloud Tasks may call it."
  value       = google_cloudfunctions2_function.process_job.url
}

output "queue_name" {
  description = "The Cloud Tasks queue, projects/P/locations/L/queues/Q."
  value       = google_cloud_tasks_queue.generation.id
}

output "batch_queue_name" {
  description = "The batch lane's Cloud Tasks queue, projects/P/locations/L/queues/Q."
  value       = google_cloud_tasks_queue.batch.id
}

output "webhook_queue_name" {
  description = "The completion webhooks' Cloud Tasks queue, projects/P/locations/L/queues/Q."
  value       = google_cloud_tasks_queue.webhooks.id
}

output "events_topic" {
  description = "The Pub/Sub topic of job lifecycle events."
  value       = google_pubsub_topic.events.id
}

output "pixellab_secret" {
  description = "Add the PixelLab key as a version of this secret (see the README)."
  value       = google_secret_manager_secret.pixellab_api_key.secret_id
}

output "metrics_token_secret" {
  description = "Add METRICS_TOKEN, the /metrics bearer token, as a version of this secret (see the README)."
  value       = google_secret_manager_secret.metrics_token.secret_id
}

output "dashboard_url" {
  description = "The queue's Cloud Monitoring dashboard."
  value       = "https://console.cloud.google.com/monitoring/dashboards/custom/${element(split("/", google_monitoring_dashboard.queue.id), 3)}?project=${var.project_id}"
}

# What the web client's config.json holds (Terraform also uploads it beside the page). Sensitive
# only because Google marks API key strings so; a browser key is public by design.
output "web_config_json" {
  description = "The web client's config.json: terraform output -raw web_config_json."
  value       = jsonencode(local.web_config)
  sensitive   = true
}
