/**
 * Signs up a fresh anonymous user in the Firebase Auth emulator (its REST endpoint, as the web SDK's
 * `signInAnonymously` does) and returns the ID token. `host` is `host:port`, e.g. `127.0.0.1:9099`.
 * The emulator accepts any API key; `local` marks where requests come from.
 */
export async function anonymousEmulatorToken(host: string, signal?: AbortSignal): Promise<string> {
  const url = `http://${host}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=local`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ returnSecureToken: true }),
      signal: signal ?? AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(
      `the Auth emulator at ${host} is not reachable (${(error as Error).message}); ` +
        `start the local stack, or pass --token`,
      { cause: error },
    );
  }
  const body = (await response.json().catch(() => undefined)) as { idToken?: unknown } | undefined;
  if (!response.ok || typeof body?.idToken !== "string") {
    throw new Error(`the Auth emulator at ${host} answered ${response.status} without an ID token`);
  }
  return body.idToken;
}
