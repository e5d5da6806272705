import { FirebaseError } from "firebase/app";
import { onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from "firebase/auth";
import { createAdminClient } from "../client/admin-client.ts";
import { startDashboard, type Dashboard } from "./operator-dashboard.ts";
import { buildGaugeCards, showPanel } from "./operator-view.ts";
import { byId } from "./view.ts";
import { loadWebConfig, startAuth } from "./web-config.ts";

/**
 * The operator page: an operator signs in with email and password (the main page's anonymous users
 * are never operators), then sees the queue gauges with their recent history, the dead letters with
 * retry and delete, and the recent failures. The API decides who is an operator (the `admin` custom
 * claim): a 403 from it shows the "operators only" notice, whatever the token claims.
 */
async function main(): Promise<void> {
  const config = await loadWebConfig();
  // Its own Firebase app: signing in here leaves the main page's anonymous user signed in there.
  const { auth } = startAuth(config, "operator");
  buildGaugeCards();
  let dashboard: Dashboard | undefined;

  const show = (user: User | null) => {
    dashboard?.stop();
    dashboard = undefined;
    if (user === null || user.isAnonymous) {
      byId("session").textContent = "Not signed in";
      showPanel("sign-in");
      return;
    }
    byId("session").textContent = `Signed in as ${user.email ?? user.uid}`;
    byId("forbidden-who").textContent = user.email ?? user.uid;
    showPanel("dashboard");
    const admin = createAdminClient({ apiBaseUrl: config.apiBaseUrl, getIdToken: () => user.getIdToken() });
    dashboard = startDashboard(admin, (status) => {
      if (status === 403) showPanel("forbidden");
      else void signOut(auth); // 401: the token is no longer accepted (revoked, or the account is gone)
    });
  };
  onAuthStateChanged(auth, show);

  const form = byId<HTMLFormElement>("sign-in-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const error = byId("sign-in-error");
    error.hidden = true;
    const email = byId<HTMLInputElement>("email").value;
    const password = byId<HTMLInputElement>("password").value;
    signInWithEmailAndPassword(auth, email, password).catch((e: unknown) => {
      error.hidden = false;
      error.textContent = `Could not sign in: ${e instanceof FirebaseError ? e.code : String(e)}`;
    });
  });
  byId("sign-out").addEventListener("click", () => void signOut(auth));
  // Enabled only once the handler above is attached: an earlier click would submit the form natively.
  byId<HTMLButtonElement>("sign-in-submit").disabled = false;
}

main().catch((error: unknown) => {
  byId("session").textContent = `Could not start: ${error instanceof Error ? error.message : String(error)}`;
});
