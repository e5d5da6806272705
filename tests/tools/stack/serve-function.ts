/**
 * Serves one function target on 127.0.0.1 only: `node serve-function.ts <source> <target> <port>`.
 * It loads the entry file (which registers the target with the Functions Framework) and serves it
 * through the Framework's own Express server, as Cloud Functions does; unlike the Framework's CLI,
 * which listens on every interface, it binds loopback, as everything local must.
 */
import path from "node:path";
import { getTestServer } from "@google-cloud/functions-framework/testing";

const [source, target, portText] = process.argv.slice(2);
if (source === undefined || target === undefined || !/^\d+$/.test(portText ?? "")) {
  console.error("usage: node tests/tools/stack/serve-function.ts <source.ts> <target> <port>");
  process.exit(2);
}
await import(path.resolve(source));
const server = getTestServer(target);
server.listen(Number(portText), "127.0.0.1", () => {
  console.log(`serving ${target} from ${source} on http://127.0.0.1:${portText}/`);
});
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
