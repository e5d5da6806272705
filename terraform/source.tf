locals {
  # `npm run package` writes the artifact here; the tested zip is the deployed zip.
  source_zip = coalesce(var.source_zip, "${path.module}/../dist/function-source.zip")
}

# Holds the functions' source. Private: only Cloud Build (through the builder account) reads it.
resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  depends_on = [google_project_service.enabled]
}

# Named by the zip's MD5, so a changed build is a new object, and a new object rebuilds all three
# functions; an unchanged build (the zip is reproducible) changes nothing.
resource "google_storage_bucket_object" "source" {
  name   = "function-source-${filemd5(local.source_zip)}.zip"
  bucket = google_storage_bucket.source.name
  source = local.source_zip

  lifecycle {
    create_before_destroy = true
  }
}
