locals {
  web_dir = coalesce(var.web_dist_dir, "${path.module}/../dist/web")
  # Every built file except config.json, which Terraform writes from its own outputs below.
  web_files = setsubtract(fileset(local.web_dir, "**"), ["config.json"])
  content_types = {
    css   = "text/css"
    html  = "text/html; charset=utf-8"
    ico   = "image/x-icon"
    js    = "text/javascript"
    json  = "application/json"
    map   = "application/json"
    png   = "image/png"
    svg   = "image/svg+xml"
    txt   = "text/plain; charset=utf-8"
    woff2 = "font/woff2"
  }

  # What the page reads from ./config.json (shared/web/session.ts): no `emulators` key, so it talks
  # to the real Identity Platform and Firestore of this project.
  web_config = merge(
    {
      apiBaseUrl = google_cloudfunctions2_function.api.url
      firebase = {
        apiKey    = google_apikeys_key.web.key_string
        projectId = var.project_id
      }
    },
    var.recaptcha_enterprise_site_key == null ? {} : {
      appCheck = { recaptchaEnterpriseSiteKey = var.recaptcha_enterprise_site_key }
    },
  )
}

# The web client, served straight from a public bucket:
# https://storage.googleapis.com/<bucket>/index.html (built with --base ./ so asset paths are relative).
resource "google_storage_bucket" "web" {
  name                        = "${var.project_id}-${var.name_prefix}-web"
  location                    = var.region
  uniform_bucket_level_access = true
  force_destroy               = true

  website {
    main_page_suffix = "index.html"
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_iam_member" "web_public" {
  bucket = google_storage_bucket.web.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_object" "web" {
  for_each     = local.web_files
  name         = each.value
  bucket       = google_storage_bucket.web.name
  source       = "${local.web_dir}/${each.value}"
  content_type = lookup(local.content_types, reverse(split(".", each.value))[0], "application/octet-stream")
  # Vite's assets/ files carry a content hash in their names; the page itself must revalidate.
  cache_control = startswith(each.value, "assets/") ? "public, max-age=31536000, immutable" : "no-cache"
}

resource "google_storage_bucket_object" "web_config" {
  name          = "config.json"
  bucket        = google_storage_bucket.web.name
  content       = jsonencode(local.web_config)
  content_type  = "application/json"
  cache_control = "no-cache"
}
