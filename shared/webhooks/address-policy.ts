import { BlockList, isIP } from "node:net";

/**
 * Which addresses a webhook may be delivered to. Webhooks make our servers send requests to URLs
 * users choose, so without this a user could aim them at the metadata server (service-account
 * tokens), at Google-internal or VPC services, or at the function itself: server-side request
 * forgery. Only public unicast addresses pass; the URL is checked at submit and again, on the
 * addresses it then resolves to, at every delivery (DNS can change between the two).
 */
export type AddressClass =
  "public" | "loopback" | "private" | "link-local" | "metadata" | "unspecified" | "multicast" | "reserved";

/** Why a URL is refused (machine-readable, in the 422's `errors[].message` and on the delivery). */
export type UrlRefusal =
  | "not-a-url"
  | "https-required"
  | "credentials-in-url"
  | "metadata-host"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved"
  | "unresolvable";

/** Metadata servers by name: GCP's (and the bare name its hosts resolve). */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.google.internal.", "metadata"]);
/** Metadata servers by address: GCP, AWS and Azure share 169.254.169.254; AWS's IPv6 one. */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254"]);

function ranges(entries: [string, number, "ipv4" | "ipv6"][]): BlockList {
  const list = new BlockList();
  for (const [net, prefix, family] of entries) list.addSubnet(net, prefix, family);
  return list;
}

const LOOPBACK = ranges([
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
]);
const UNSPECIFIED = ranges([
  ["0.0.0.0", 8, "ipv4"],
  ["::", 128, "ipv6"],
]);
const LINK_LOCAL = ranges([
  ["169.254.0.0", 16, "ipv4"],
  ["fe80::", 10, "ipv6"],
]);
/** RFC 1918, carrier-grade NAT (RFC 6598), unique local IPv6 (RFC 4193), site-local (deprecated). */
const PRIVATE = ranges([
  ["10.0.0.0", 8, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["fc00::", 7, "ipv6"],
  ["fec0::", 10, "ipv6"],
]);
const MULTICAST = ranges([
  ["224.0.0.0", 4, "ipv4"],
  ["ff00::", 8, "ipv6"],
]);
/**
 * Not routable on the internet: IETF protocol assignments, the documentation and benchmarking
 * ranges, 240/4 and broadcast, discard-only and documentation IPv6.
 */
const RESERVED = ranges([
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["100::", 64, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
]);

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part counts as two). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/**
 * The IPv4 address an IPv6 one carries, if it is IPv4-mapped (`::ffff:0:0/96`), IPv4-compatible
 * (`::/96`, deprecated) or NAT64 (`64:ff9b::/96`): those reach the IPv4 host, so they are judged
 * as it. `::` and `::1` are themselves, not IPv4.
 */
function embeddedIpv4(address: string): string | undefined {
  const g = ipv6Groups(address);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && g[5] === 0xffff;
  const compatible = zeros(6) && (g[6] !== 0 || (g[7] ?? 0) > 1);
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  const [high = 0, low = 0] = [g[6], g[7]];
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}

/** The class of one IP address (IPv4 or IPv6 literal, no brackets); anything else is `reserved`. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) return "reserved";
  const v4 = family === 6 ? embeddedIpv4(address) : address;
  if (v4 !== undefined && v4 !== address) return classifyAddress(v4);
  const type = family === 4 ? "ipv4" : "ipv6";
  if (METADATA_ADDRESSES.has(address.toLowerCase())) return "metadata";
  if (LOOPBACK.check(address, type)) return "loopback";
  if (UNSPECIFIED.check(address, type)) return "unspecified";
  if (LINK_LOCAL.check(address, type)) return "link-local";
  if (PRIVATE.check(address, type)) return "private";
  if (MULTICAST.check(address, type)) return "multicast";
  if (RESERVED.check(address, type)) return "reserved";
  if (type === "ipv4" && address === "255.255.255.255") return "reserved";
  return "public";
}

/** What a deployment allows: loopback (and plain http) only under the local-only switch. */
export interface AddressPolicy {
  allowLoopback: boolean;
}

/** Whether an address of this class may be delivered to, and if not, why. */
export function addressRefusal(address: string, policy: AddressPolicy): UrlRefusal | undefined {
  const kind = classifyAddress(address);
  if (kind === "public") return undefined;
  if (kind === "loopback" && policy.allowLoopback) return undefined;
  return kind;
}

/** The URL's host as `getaddrinfo` and `classifyAddress` want it: IPv6 literals without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/**
 * Checks a webhook URL's form (no network): parseable, https (http only under the local switch),
 * no user:password, not a metadata host name, and not an IP literal of a refused class.
 */
export function urlRefusal(raw: string, policy: AddressPolicy): UrlRefusal | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not-a-url";
  }
  const schemes = policy.allowLoopback ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(url.protocol)) return url.protocol === "http:" ? "https-required" : "not-a-url";
  if (url.username !== "" || url.password !== "") return "credentials-in-url";
  const host = hostOf(url).toLowerCase();
  if (METADATA_HOSTS.has(host)) return "metadata-host";
  if (isIP(host) !== 0) return addressRefusal(host, policy);
  return undefined;
}

/** What each refusal means, for people. */
export const REFUSAL_MESSAGES: Record<UrlRefusal, string> = {
  "not-a-url": "must be an absolute https URL",
  "https-required": "must use https",
  "credentials-in-url": "must not carry a user name or password",
  "metadata-host": "must not name a metadata server",
  loopback: "resolves to a loopback address",
  private: "resolves to a private address",
  "link-local": "resolves to a link-local address",
  metadata: "resolves to a metadata server's address",
  unspecified: "resolves to an unspecified address",
  multicast: "resolves to a multicast address",
  reserved: "resolves to a reserved, non-routable address",
  unresolvable: "does not resolve to any address",
};
