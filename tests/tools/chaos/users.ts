/** A user of the run: a signed-in account in the Auth emulator and its ID token (valid for an hour). */
export interface ChaosUser {
  uid: string;
  idToken: string;
}

/**
 * Signs `count` users up at the Auth emulator on `authHost` with an email and password, as an
 * integrator's app does: the signed-in limits apply (`shared/submission/user-limits.ts`).
 */
export async function signUpUsers(authHost: string, count: number): Promise<ChaosUser[]> {
  const url = `http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=chaos`;
  const users: ChaosUser[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: `load-${Math.random().toString(36).slice(2)}@example.test`,
        password: "emulator-password",
        returnSecureToken: true,
      }),
    });
    if (!response.ok) throw new Error(`Auth emulator sign-up: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { localId: string; idToken: string };
    users.push({ uid: body.localId, idToken: body.idToken });
  }
  return users;
}
