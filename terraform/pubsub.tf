# Job lifecycle events (shared/ports/event-publisher.ts): JSON bodies, attributes type, jobId, userId.
resource "google_pubsub_topic" "events" {
  name                       = var.events_topic
  message_retention_duration = "86400s" # lets a new subscriber seek back a day
  depends_on                 = [google_project_service.enabled]
}

resource "google_pubsub_topic_iam_member" "events_publisher" {
  for_each = local.function_accounts
  topic    = google_pubsub_topic.events.id
  role     = "roles/pubsub.publisher"
  member   = each.value.member
}

# Where a consumer's undeliverable messages go, with a subscription that keeps them for a week.
resource "google_pubsub_topic" "events_dead_letter" {
  name       = "${var.events_topic}-dead-letter"
  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "events_dead_letter" {
  name                       = "${var.events_topic}-dead-letter"
  topic                      = google_pubsub_topic.events_dead_letter.id
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = "" # never expires
  }
}

# An example consumer subscription: copy it for each real consumer (analytics, notifications).
# Messages it cannot get acknowledged after 5 deliveries move to the dead-letter topic.
resource "google_pubsub_subscription" "events_example" {
  name                       = "${var.events_topic}-example"
  topic                      = google_pubsub_topic.events.id
  ack_deadline_seconds       = 30
  message_retention_duration = "86400s" # nobody reads this one: keep little
  expiration_policy {
    ttl = ""
  }
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.events_dead_letter.id
    max_delivery_attempts = 5
  }
}

locals {
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# Dead-lettering is done by Pub/Sub's own service agent: it publishes to the dead-letter topic and
# acknowledges on the source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.events_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  subscription = google_pubsub_subscription.events_example.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
