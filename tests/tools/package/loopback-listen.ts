/**
 * Preload (`node --import <this file> …/functions-framework/build/src/main.js …`) that makes a
 * server started with `listen(port)` and no host bind 127.0.0.1 instead of every interface. The
 * Functions Framework's own CLI has no host option; with this, a test runs the real CLI from the
 * unpacked artifact, exactly as Cloud Functions starts it, and still serves on loopback only.
 */
import net from "node:net";

type Listen = (this: net.Server, ...args: unknown[]) => net.Server;
const listen = net.Server.prototype.listen as Listen;

net.Server.prototype.listen = function loopbackListen(this: net.Server, ...args: unknown[]): net.Server {
  const [port, callback] = args;
  // listen(port) or listen(port, callback) is the CLI's call; anything naming a host is left alone.
  const portOnly = typeof port === "number" || typeof port === "string";
  if (portOnly && args.length <= 2 && (callback === undefined || typeof callback === "function")) {
    return listen.call(this, Number(port), "127.0.0.1", ...(callback === undefined ? [] : [callback]));
  }
  return listen.apply(this, args);
} as typeof net.Server.prototype.listen;
