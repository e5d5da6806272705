import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiRig, type ApiRig } from "../harness/api-rig.ts";
import { signUpUser, type TestUser } from "../harness/auth-users.ts";
import { pixfluxBody } from "../harness/fixtures.ts";
import { call, type TestResponse } from "../harness/http-client.ts";

interface JobView {
  jobId: string;
  status: string;
}

/** A request in flight that remembers whether it has answered yet. */
function inFlight(request: Promise<TestResponse>) {
  const tracked = { settled: false, response: request };
  void request.finally(() => (tracked.settled = true));
  return tracked;
}

describe("long-polls are capped per user (USER_LONG_POLL_LIMIT=1)", () => {
  let rig: ApiRig;
  let alice: TestUser;
  let bob: TestUser;
  const submit = async (user: TestUser, description: string) => {
    const res = await call(rig.url, "POST", "/v1/jobs", {
      token: user.idToken,
      json: pixfluxBody(description),
    });
    return (res.body as JobView).jobId;
  };
  // No If-None-Match: a long-poll that holds answers when the job changes (or after 25 s); one
  // that is over the cap answers at once with the job as it is.
  const longPoll = (user: TestUser, jobId: string) =>
    inFlight(call(rig.url, "GET", `/v1/jobs/${jobId}?waitSeconds=25`, { token: user.idToken }));
  const startProcessing = (jobId: string) =>
    rig.runtime.firestore
      .collection("jobs")
      .doc(jobId)
      .update({ status: "processing", progress: { percent: 10, stage: "generating" } });

  beforeAll(async () => {
    rig = await startApiRig({ env: { USER_LONG_POLL_LIMIT: "1" } });
    [alice, bob] = [await signUpUser(), await signUpUser()];
  });
  afterAll(() => rig.close());

  it("a second long-poll by the same user answers at once with the job; another user's still waits", async () => {
    const [aliceJob, bobJob] = [await submit(alice, "a capped poll"), await submit(bob, "an uncapped poll")];
    const polls = [longPoll(alice, aliceJob), longPoll(alice, aliceJob)];
    const bobPoll = longPoll(bob, bobJob);

    // Whichever of Alice's two took her one place holds; the other is answered without waiting.
    const first = await Promise.race(polls.map((p, i) => p.response.then((response) => ({ i, response }))));
    expect(first.response.status).toBe(200);
    expect(first.response.body).toMatchObject({ jobId: aliceJob, status: "queued" });
    expect(first.response.headers.get("etag")).toMatch(/^"\d+(-[^"]+)?"$/);
    const held = polls[1 - first.i]!;
    // Nothing has changed yet, so the others can only be still holding.
    expect(held.settled).toBe(false);
    expect(bobPoll.settled).toBe(false);

    await startProcessing(aliceJob);
    await startProcessing(bobJob);
    const [heldAnswer, bobAnswer] = await Promise.all([held.response, bobPoll.response]);
    expect(heldAnswer.status).toBe(200);
    expect(heldAnswer.body).toMatchObject({ jobId: aliceJob, status: "processing" });
    expect(bobAnswer.status).toBe(200);
    expect(bobAnswer.body).toMatchObject({ jobId: bobJob, status: "processing" });
  });

  it("the place is given back when a long-poll ends, so the next one holds again", async () => {
    const jobId = await submit(alice, "a released poll");
    const again = longPoll(alice, jobId);
    // A plain GET (no waitSeconds) is never counted and is answered at once beside the long-poll.
    const plain = await call(rig.url, "GET", `/v1/jobs/${jobId}`, { token: alice.idToken });
    expect(plain.status).toBe(200);
    expect(again.settled).toBe(false);
    await startProcessing(jobId);
    const answer = await again.response;
    expect(answer.body).toMatchObject({ jobId, status: "processing" });
  });
});
