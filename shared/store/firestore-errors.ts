/** gRPC status codes the Firestore client reports in `error.code`. */
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;
const NOT_FOUND = 5;

function code(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** `create()` on a document that exists. */
export const isAlreadyExists = (error: unknown): boolean => code(error) === ALREADY_EXISTS;
/** A precondition (`lastUpdateTime`, `exists`) did not hold. */
export const isPreconditionFailed = (error: unknown): boolean =>
  code(error) === FAILED_PRECONDITION || code(error) === NOT_FOUND;
