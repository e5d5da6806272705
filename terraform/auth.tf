# Firebase Auth (Identity Platform): the web client signs users in anonymously
# (shared/web/session.ts), operators sign in to the operator page with email and password
# (shared/web/operator.ts; the admin claim is what makes them operators), and the api verifies
# their ID tokens with firebase-admin.
resource "google_identity_platform_config" "auth" {
  project = var.project_id

  sign_in {
    allow_duplicate_emails = false
    anonymous {
      enabled = true
    }
    email {
      enabled           = true
      password_required = true
    }
  }

  # Anonymous accounts nobody used for 30 days are removed instead of piling up.
  autodelete_anonymous_users = true

  authorized_domains = ["localhost", "storage.googleapis.com"]

  depends_on = [google_project_service.enabled]
}

# The web client's browser key (config.json's firebase.apiKey). It is public by design, like every
# Firebase web config; it is limited to the three APIs the page calls. Rules and the api's token
# checks are what protect the data. No referrer restriction: browsers send cross-origin requests
# with the origin only, and every bucket shares storage.googleapis.com.
resource "google_apikeys_key" "web" {
  name         = "${var.name_prefix}-web"
  display_name = "Generation queue web client"
  project      = var.project_id

  restrictions {
    api_targets {
      service = "identitytoolkit.googleapis.com"
    }
    api_targets {
      service = "securetoken.googleapis.com"
    }
    api_targets {
      service = "firestore.googleapis.com"
    }
  }

  depends_on = [google_project_service.enabled]
}
