import type { Firestore } from "@google-cloud/firestore";
import { sleep } from "./stats.ts";

/**
 * Counts the jobs queued or processing every 250 ms, the way the API's capacity check counts them,
 * until `stop`, which gives the highest count seen.
 */
export function sampleActiveJobs(firestore: Firestore) {
  const active = firestore.collection("jobs").where("status", "in", ["queued", "processing"]);
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const count = await active
        .count()
        .get()
        .then((snap) => snap.data().count)
        .catch(() => 0);
      peak = Math.max(peak, count);
      await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}
