import { doc, onSnapshot, type Firestore } from "firebase/firestore";
import { jobDocumentToView } from "./job-document-view.ts";
import type { JobListener } from "./listener-channel.ts";

/**
 * A {@link JobListener} on `jobs/{id}` through the Firebase web SDK. The security rules let a signed-in
 * owner read their own job, so `db`'s app must be signed in as the user whose ID token the client
 * sends. A missing or unreadable document, a malformed one, or a listen error is reported through
 * `onError`, which makes `watch` fall back to polling.
 */
export function firestoreJobListener(db: Firestore): JobListener {
  return (jobId, onNext, onError) =>
    onSnapshot(
      doc(db, "jobs", jobId),
      (snapshot) => {
        if (!snapshot.exists()) return onError(new Error(`jobs/${jobId} does not exist`));
        try {
          onNext(jobDocumentToView(jobId, snapshot.data()));
        } catch (error) {
          onError(error instanceof Error ? error : new Error(String(error)));
        }
      },
      (error) => onError(error),
    );
}
