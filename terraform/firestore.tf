locals {
  # One source for indexes and TTL policies: the same firestore.indexes.json the emulator-backed
  # tests and `firebase deploy` use.
  firestore_spec = jsondecode(file("${path.module}/../firestore.indexes.json"))

  # Keyed by content (collection and fields), so reordering the file changes nothing.
  firestore_indexes = {
    for index in local.firestore_spec.indexes :
    join(" ", concat([index.collectionGroup], [for f in index.fields : "${f.fieldPath}:${try(f.order, f.arrayConfig)}"])) => index
  }

  # Every collection whose documents carry an expiry field gets a TTL policy on it.
  ttl_fields = {
    for override in local.firestore_spec.fieldOverrides :
    "${override.collectionGroup}.${override.fieldPath}" => override if try(override.ttl, false)
  }
}

resource "google_firestore_database" "default" {
  name        = "(default)"
  location_id = coalesce(var.firestore_location, var.region)
  type        = "FIRESTORE_NATIVE"

  # terraform destroy leaves the data alone; delete the database by hand if you mean it.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# The sweeper's and the listing routes' queries (shared/store/firestore-sweeper-queries.ts, read-jobs).
resource "google_firestore_index" "composite" {
  for_each    = local.firestore_indexes
  database    = google_firestore_database.default.name
  collection  = each.value.collectionGroup
  query_scope = try(each.value.queryScope, "COLLECTION")

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.fieldPath
      order        = try(fields.value.order, null)
      array_config = try(fields.value.arrayConfig, null)
    }
  }
}

# TTL on `expireAt` (cache, dedupClaims, idempotencyKeys, deadLetters). The file also turns the
# field's single-field indexes off ("indexes": []): nothing queries it, and a monotonically growing
# indexed timestamp would cap the collection's write rate.
resource "google_firestore_field" "ttl" {
  for_each   = local.ttl_fields
  database   = google_firestore_database.default.name
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  ttl_config {}

  index_config {
    dynamic "indexes" {
      for_each = try(each.value.indexes, [])
      content {
        order        = try(indexes.value.order, null)
        array_config = try(indexes.value.arrayConfig, null)
        query_scope  = try(indexes.value.queryScope, "COLLECTION")
      }
    }
  }
}

# The security rules (firestore.rules): owners read their own jobs, nobody else reads anything, no
# client writes. Tested against the emulator in tests/integration/firestore-rules.test.ts.
resource "google_firebaserules_ruleset" "firestore" {
  project = var.project_id
  source {
    files {
      name    = "firestore.rules"
      content = file("${path.module}/../firestore.rules")
    }
  }
  depends_on = [google_firestore_database.default]
}

resource "google_firebaserules_release" "firestore" {
  project      = var.project_id
  name         = "cloud.firestore"
  ruleset_name = "projects/${var.project_id}/rulesets/${google_firebaserules_ruleset.firestore.name}"

  # A changed file is a new ruleset; the release must then point at it.
  lifecycle {
    replace_triggered_by = [google_firebaserules_ruleset.firestore]
  }
}
