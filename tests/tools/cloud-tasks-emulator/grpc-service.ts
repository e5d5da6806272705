import * as grpc from "@grpc/grpc-js";
import { ZodError } from "zod";
import { parseLocationName } from "./names.ts";
import type { LoadedServices } from "./protos.ts";
import { queueRpcs } from "./queue-rpcs.ts";
import type { RpcContext, UnaryHandler } from "./rpc-context.ts";
import { RpcError } from "./rpc-error.ts";
import type { RpcHold } from "./rpc-hold.ts";
import { taskRpcs } from "./task-rpcs.ts";
import { nameRequestSchema } from "./wire.ts";

/** The 16 CloudTasks RPCs, by the camelCase names grpc-js accepts. */
export const CLOUD_TASKS_RPCS = [
  "listQueues",
  "getQueue",
  "createQueue",
  "updateQueue",
  "deleteQueue",
  "purgeQueue",
  "pauseQueue",
  "resumeQueue",
  "getIamPolicy",
  "setIamPolicy",
  "testIamPermissions",
  "listTasks",
  "getTask",
  "createTask",
  "deleteTask",
  "runTask",
] as const;

export type CloudTasksRpc = (typeof CLOUD_TASKS_RPCS)[number];

/**
 * Maps an RPC failure to a gRPC status. RpcError carries production's code and message; a request
 * that fails decoding is INVALID_ARGUMENT; anything else is an emulator bug and answers INTERNAL
 * (never UNAVAILABLE or DEADLINE_EXCEEDED, which the client would retry for 600 s).
 */
function toServiceError(error: unknown): Partial<grpc.ServiceError> {
  if (error instanceof RpcError) return { code: error.code, details: error.message };
  if (error instanceof ZodError)
    return { code: grpc.status.INVALID_ARGUMENT, details: `Malformed request: ${error.message}` };
  return {
    code: grpc.status.INTERNAL,
    details: `Emulator error: ${(error as Error).message ?? String(error)}`,
  };
}

function unary(handler: UnaryHandler, rpc = "", hold?: RpcHold): grpc.handleUnaryCall<unknown, unknown> {
  const answer: grpc.handleUnaryCall<unknown, unknown> = (call, callback) => {
    try {
      callback(null, handler(call.request));
    } catch (error) {
      callback(toServiceError(error));
    }
  };
  if (hold === undefined) return answer;
  return (call, callback) => hold.admit(rpc, () => answer(call, callback));
}

/** A small fixed set of Cloud Tasks locations, plus any location that holds a queue. */
const KNOWN_LOCATIONS = ["us-central1", "us-east1", "europe-west1", "asia-northeast1"];

function locationRpcs(ctx: RpcContext): Record<string, UnaryHandler> {
  const locationMessage = (project: string, id: string): Record<string, unknown> => ({
    name: `projects/${project}/locations/${id}`,
    locationId: id,
    displayName: id,
  });
  return {
    listLocations(request) {
      const { name } = nameRequestSchema.parse(request);
      const project = /^projects\/([^/]+)$/.exec(name ?? "")?.[1];
      if (project === undefined)
        throw new RpcError(grpc.status.INVALID_ARGUMENT, 'Name must be "projects/<PROJECT_ID>".');
      const used = [...ctx.state.queues.values()]
        .filter((q) => q.name.project === project)
        .map((q) => q.name.location);
      const ids = [...new Set([...KNOWN_LOCATIONS, ...used])].sort();
      return { locations: ids.map((id) => locationMessage(project, id)), nextPageToken: "" };
    },
    getLocation(request) {
      const { name } = nameRequestSchema.parse(request);
      const { project, location } = parseLocationName(name ?? "");
      return locationMessage(project, location);
    },
  };
}

/** A gRPC server with CloudTasks and Locations registered, not yet bound; `hold` can stall CloudTasks RPCs. */
export function createGrpcServer(services: LoadedServices, ctx: RpcContext, hold?: RpcHold): grpc.Server {
  const server = new grpc.Server();
  const rpcs = { ...queueRpcs(ctx), ...taskRpcs(ctx) };
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const name of CLOUD_TASKS_RPCS) {
    const handler = rpcs[name];
    if (handler === undefined) throw new Error(`no handler for CloudTasks.${name}`);
    implementation[name] = unary(handler, name, hold);
  }
  server.addService(services.cloudTasks, implementation);
  const locations: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(locationRpcs(ctx))) locations[name] = unary(handler);
  server.addService(services.locations, locations);
  return server;
}
