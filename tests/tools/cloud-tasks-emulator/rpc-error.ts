import { status } from "@grpc/grpc-js";

/** An RPC failure with the gRPC status code and message production would answer. */
export class RpcError extends Error {
  readonly code: status;

  constructor(code: status, message: string) {
    super(message);
    this.name = "RpcError";
    this.code = code;
  }
}

/** Messages recorded from production (aertje's conformance goldens), reused verbatim. */
export const MESSAGES = {
  queueMissing:
    "Queue does not exist. If you just created the queue, wait at least a minute for the queue to initialize.",
  legacyQueueMissing: "Queue does not exist.",
  notFound: "Requested entity was not found.",
  alreadyExists: "Requested entity already exists",
  queueExists: "Queue already exists",
  queueRecentlyDeleted: "The queue cannot be created because a queue with this name existed too recently.",
  taskTombstoned:
    "The task no longer exists, though a task with this name existed recently. The task either successfully completed or was deleted.",
  payloadNotSet: "Task.payload_type is not set.",
} as const;

export const invalid = (message: string): RpcError => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string = MESSAGES.notFound): RpcError =>
  new RpcError(status.NOT_FOUND, message);
