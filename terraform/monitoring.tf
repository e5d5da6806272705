# What operators watch: one Cloud Monitoring dashboard (dashboard.json) and one alert policy per rule
# of prometheus/alert-rules.yml, the file the local Prometheus loads too. The queue's metrics reach
# Cloud Monitoring as Prometheus metrics (OTLP from the functions' OpenTelemetry SDK; the queue-wide
# gauges from the sweeper, once a minute), so dashboard and alerts query them with PromQL by the names
# shared/telemetry/metric-definitions.ts defines (tests/unit/monitoring-references.test.ts).

locals {
  alert_rule_groups = yamldecode(file("${path.module}/prometheus/alert-rules.yml")).groups

  # Rules whose threshold is a setting of this deployment. The rules file ends their expression with
  # the default (what the local Prometheus uses); the deployment's value replaces that number.
  alert_thresholds = {
    # The code's default for QUEUE_WARNING_THRESHOLD when unset (shared/config.ts).
    QueueDepthWarning        = coalesce(var.queue_warning_threshold, min(400, var.queue_capacity))
    QueueDepthCritical       = var.queue_capacity
    EndToEndP95OverObjective = var.end_to_end_p95_objective_seconds
  }

  # Every rule, by alert name, in the shape the policies need. The expression's final number is
  # replaced only for the rules above; every other rule's query is its expression as written.
  alert_rules = merge([
    for group in local.alert_rule_groups : {
      for rule in group.rules : rule.alert => {
        group       = group.name
        interval    = group.interval
        duration    = lookup(rule, "for", null)
        severity    = rule.labels.severity
        labels      = tomap(rule.labels)
        summary     = rule.annotations.summary
        description = rule.annotations.description
        query = (
          contains(keys(local.alert_thresholds), rule.alert)
          ? "${regex("(?s)^(.*[<>=])\\s*[0-9.]+\\s*$", rule.expr)[0]} ${local.alert_thresholds[rule.alert]}"
          : trimspace(rule.expr)
        )
      }
    }
  ]...)

  # dashboard.json is plain JSON with ${…} placeholders inside strings, filled here.
  dashboard_json = templatefile("${path.module}/dashboard.json", {
    display_name                 = "${var.name_prefix}: PixelLab generation queue"
    tasks_queue                  = var.tasks_queue
    region                       = var.region
    queue_warning_threshold      = local.alert_thresholds.QueueDepthWarning
    queue_capacity               = var.queue_capacity
    end_to_end_objective_seconds = var.end_to_end_p95_objective_seconds
  })
}

resource "google_monitoring_dashboard" "queue" {
  dashboard_json = local.dashboard_json
  depends_on     = [google_project_service.enabled]
}

resource "google_monitoring_alert_policy" "queue" {
  for_each     = local.alert_rules
  display_name = "${var.name_prefix}: ${each.value.summary}"
  combiner     = "OR"
  severity     = upper(each.value.severity) # WARNING or CRITICAL
  user_labels  = { severity = each.value.severity, deployment = var.name_prefix }

  # Empty: an incident opens in the console and notifies no one.
  notification_channels = var.notification_channels

  documentation {
    subject   = "${var.name_prefix}: ${each.value.summary}"
    content   = "${each.value.description}\n\nRule ${each.key} of terraform/prometheus/alert-rules.yml; dashboard: ${var.name_prefix}: PixelLab generation queue."
    mime_type = "text/markdown"
  }

  conditions {
    display_name = each.key
    condition_prometheus_query_language {
      query               = each.value.query
      duration            = each.value.duration
      evaluation_interval = each.value.interval
      labels              = each.value.labels
      rule_group          = each.value.group
      alert_rule          = each.key
      # The metrics exist only once the functions have recorded them: without this, a first apply
      # on a fresh project would be refused for querying metrics Cloud Monitoring has not seen yet.
      disable_metric_validation = true
    }
  }

  alert_strategy {
    auto_close = "1800s" # close an incident whose condition has stopped matching for 30 min
  }

  depends_on = [google_project_service.enabled]
}
