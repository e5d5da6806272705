import { lookup } from "node:dns/promises";

/** Every address a host name resolves to (IPv4 and IPv6); an IP literal resolves to itself. */
export type HostResolver = (hostname: string) => Promise<string[]>;

/** The system's resolver (`getaddrinfo`, as the HTTP client itself would use). */
export const systemResolver: HostResolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((entry) => entry.address);
};
