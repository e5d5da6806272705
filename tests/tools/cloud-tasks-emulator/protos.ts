import { createRequire } from "node:module";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The two gRPC service definitions the emulator serves. */
export interface LoadedServices {
  cloudTasks: grpc.ServiceDefinition;
  locations: grpc.ServiceDefinition;
}

/**
 * Decoding choices, shared by every handler:
 * - camelCase field names (`httpRequest`, `responseView`), the same shape the Node client uses;
 * - enums as their names (`"PAUSED"`, `"FULL"`), longs (Timestamp/Duration seconds) as JS numbers;
 * - no defaults, so an absent field reads as `undefined` (proto3 cannot tell 0 from unset anyway).
 * The wire format does not depend on these options, so the unmodified client is unaffected.
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: false,
};

/** Folders holding the protos that ship with `@google-cloud/tasks` and google-gax (both hide package.json). */
export function protoIncludeDirs(): string[] {
  const require = createRequire(import.meta.url);
  const tasksDir = path.dirname(require.resolve("@google-cloud/tasks/build/protos"));
  const gaxMain = require.resolve("google-gax");
  const gaxDir = path.join(
    gaxMain.slice(0, gaxMain.lastIndexOf(`${path.sep}build${path.sep}`)),
    "build",
    "protos",
  );
  return [tasksDir, gaxDir];
}

function serviceAt(root: grpc.GrpcObject, dottedName: string): grpc.ServiceDefinition {
  let node: unknown = root;
  for (const part of dottedName.split(".")) {
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  const service = (node as { service?: grpc.ServiceDefinition } | undefined)?.service;
  if (service === undefined) throw new Error(`proto service ${dottedName} not found in the loaded protos`);
  return service;
}

/** Loads `google.cloud.tasks.v2.CloudTasks` and `google.cloud.location.Locations` from the installed packages. */
export function loadServices(): LoadedServices {
  const definition = protoLoader.loadSync(
    ["google/cloud/tasks/v2/cloudtasks.proto", "google/cloud/location/locations.proto"],
    { ...LOADER_OPTIONS, includeDirs: protoIncludeDirs() },
  );
  const root = grpc.loadPackageDefinition(definition);
  return {
    cloudTasks: serviceAt(root, "google.cloud.tasks.v2.CloudTasks"),
    locations: serviceAt(root, "google.cloud.location.Locations"),
  };
}
