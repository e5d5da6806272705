import { describe, expect, it } from "vitest";
import type { HostResolver } from "../../shared/ports/host-resolver.ts";
import {
  classifyAddress,
  urlRefusal,
  type AddressClass,
  type AddressPolicy,
  type UrlRefusal,
} from "../../shared/webhooks/address-policy.ts";
import { vetWebhookUrl } from "../../shared/webhooks/webhook-target.ts";

// Webhook URLs are user-chosen, so the policy decides which addresses our servers may be aimed at.
// The resolver is the injected port: a plain map from host name to answers, recording each lookup.

const LOCAL: AddressPolicy = { allowLoopback: true };
const DEPLOYED: AddressPolicy = { allowLoopback: false };

/** A resolver answering from `answers` (an Error is thrown), with the names it was asked for. */
function mapResolver(answers: Record<string, string[] | Error>) {
  const asked: string[] = [];
  const resolve: HostResolver = async (host) => {
    asked.push(host);
    const answer = answers[host];
    if (answer instanceof Error) throw answer;
    return answer ?? [];
  };
  return { resolve, asked };
}

const notFound = (host: string) =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND", hostname: host });

describe("classifying an address", () => {
  it.each<[string, AddressClass]>([
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["172.32.0.1", "public"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.1", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.10", "private"],
    ["100.64.0.1", "private"],
    ["169.254.1.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["192.0.2.1", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "reserved"],
  ])("IPv4 %s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each<[string, AddressClass]>([
    ["2606:4700:4700::1111", "public"],
    ["::1", "loopback"],
    ["fd12::1", "private"],
    ["fe80::1", "link-local"],
    ["fd00:ec2::254", "metadata"],
    ["FD00:EC2::254", "metadata"],
    ["::", "unspecified"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "reserved"],
    ["100::1", "reserved"],
  ])("IPv6 %s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each<[string, AddressClass]>([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"], // the hex form Node's URL gives ::ffff:127.0.0.1
    ["::7f00:1", "loopback"], // IPv4-compatible, the hex form Node's URL gives ::127.0.0.1
    ["::a00:5", "private"],
    ["64:ff9b::1", "unspecified"], // NAT64 of 0.0.0.1: its first IPv4 group is zero
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:a00:1", "private"],
    ["::ffff:a9fe:a9fe", "metadata"], // the mapped metadata server, not merely link-local
    ["::ffff:255.255.255.255", "reserved"],
    ["64:ff9b::a9fe:a9fe", "metadata"], // NAT64 of 169.254.169.254
    ["64:ff9b::169.254.169.254", "metadata"],
    ["::ffff:8.8.8.8", "public"],
    ["::ffff:808:808", "public"],
  ])("IPv6 %s carrying an IPv4 address is judged as that host: %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(["example.com", "", "localhost", "[::1]", "1.2.3", "256.0.0.1", "::ffff:999.0.0.1"])(
    "a string that is no IP address (%j) is reserved",
    (text) => {
      expect(classifyAddress(text)).toBe("reserved");
    },
  );
});

describe("checking a webhook URL's form", () => {
  it.each<{ url: string; deployed: UrlRefusal | undefined; local: UrlRefusal | undefined }>([
    { url: "https://hooks.example.com/pixellab?x=1", deployed: undefined, local: undefined },
    { url: "http://hooks.example.com/", deployed: "https-required", local: undefined },
    { url: "ftp://hooks.example.com/", deployed: "not-a-url", local: "not-a-url" },
    { url: "not a url", deployed: "not-a-url", local: "not-a-url" },
    { url: "/relative/path", deployed: "not-a-url", local: "not-a-url" },
    { url: "https://user:pw@example.com/", deployed: "credentials-in-url", local: "credentials-in-url" },
    { url: "https://user@example.com/", deployed: "credentials-in-url", local: "credentials-in-url" },
    { url: "https://metadata.google.internal/", deployed: "metadata-host", local: "metadata-host" },
    { url: "https://METADATA.google.internal./x", deployed: "metadata-host", local: "metadata-host" },
    // The scheme is checked first: without the local switch, plain http is refused for that.
    { url: "http://metadata/", deployed: "https-required", local: "metadata-host" },
    { url: "https://metadata/", deployed: "metadata-host", local: "metadata-host" },
    { url: "https://127.0.0.1/", deployed: "loopback", local: undefined },
    { url: "https://2130706433/", deployed: "loopback", local: undefined }, // 127.0.0.1 as one number
    { url: "https://[::1]:8443/", deployed: "loopback", local: undefined },
    { url: "https://[::ffff:127.0.0.1]/", deployed: "loopback", local: undefined },
    { url: "https://[::127.0.0.1]/", deployed: "loopback", local: undefined },
    { url: "https://[::ffff:192.168.0.1]/", deployed: "private", local: "private" },
    { url: "https://169.254.169.254/latest", deployed: "metadata", local: "metadata" },
    { url: "https://[fd00:ec2::254]/", deployed: "metadata", local: "metadata" },
    { url: "https://10.0.0.1/", deployed: "private", local: "private" },
    { url: "https://0.0.0.0/", deployed: "unspecified", local: "unspecified" },
    { url: "https://8.8.8.8/", deployed: undefined, local: undefined },
    { url: "https://[2606:4700:4700::1111]/", deployed: undefined, local: undefined },
  ])("$url: deployed $deployed, local $local", ({ url, deployed, local }) => {
    expect(urlRefusal(url, DEPLOYED)).toBe(deployed);
    expect(urlRefusal(url, LOCAL)).toBe(local);
  });
});

describe("vetting a webhook URL against what its host resolves to", () => {
  it("returns the first address to connect to, with its family and the parsed URL", async () => {
    const { resolve, asked } = mapResolver({ "hooks.example.com": ["93.184.216.34"] });
    const target = await vetWebhookUrl("https://hooks.example.com/done?job=1", resolve, DEPLOYED);
    expect(target).toEqual({
      ok: true,
      url: new URL("https://hooks.example.com/done?job=1"),
      address: "93.184.216.34",
      family: 4,
    });
    expect(asked).toEqual(["hooks.example.com"]);
  });

  it("gives family 6 for an IPv6 answer", async () => {
    const { resolve } = mapResolver({ "v6.example.com": ["2606:4700:4700::1111", "1.1.1.1"] });
    expect(await vetWebhookUrl("https://v6.example.com/", resolve, DEPLOYED)).toMatchObject({
      ok: true,
      address: "2606:4700:4700::1111",
      family: 6,
    });
  });

  it.each<{ name: string; answers: string[]; refusal: UrlRefusal }>([
    { name: "a public and a private address", answers: ["8.8.8.8", "10.1.2.3"], refusal: "private" },
    { name: "a private address first", answers: ["192.168.0.5", "8.8.8.8"], refusal: "private" },
    { name: "the metadata server", answers: ["169.254.169.254"], refusal: "metadata" },
    { name: "a mapped loopback address", answers: ["2606:4700::1", "::ffff:7f00:1"], refusal: "loopback" },
    { name: "a NAT64 link-local address", answers: ["64:ff9b::a9fe:101"], refusal: "link-local" },
    { name: "no address at all", answers: [], refusal: "unresolvable" },
  ])("refuses a name resolving to $name: $refusal", async ({ answers, refusal }) => {
    const { resolve } = mapResolver({ "rebind.example.com": answers });
    expect(await vetWebhookUrl("https://rebind.example.com/", resolve, DEPLOYED)).toEqual({
      ok: false,
      refusal,
    });
  });

  it("refuses a name the resolver fails on as unresolvable", async () => {
    const { resolve, asked } = mapResolver({ "gone.example.com": notFound("gone.example.com") });
    expect(await vetWebhookUrl("https://gone.example.com/", resolve, DEPLOYED)).toEqual({
      ok: false,
      refusal: "unresolvable",
    });
    expect(asked).toEqual(["gone.example.com"]);
  });

  it.each<{ url: string; policy: AddressPolicy; expected: object }>([
    { url: "https://8.8.8.8/x", policy: DEPLOYED, expected: { ok: true, address: "8.8.8.8", family: 4 } },
    { url: "https://[::1]:8443/", policy: LOCAL, expected: { ok: true, address: "::1", family: 6 } },
    { url: "https://[::1]:8443/", policy: DEPLOYED, expected: { ok: false, refusal: "loopback" } },
    { url: "https://10.0.0.1/", policy: LOCAL, expected: { ok: false, refusal: "private" } },
  ])("takes the IP literal in $url as its address without asking the resolver", async (c) => {
    const { resolve, asked } = mapResolver({});
    expect(await vetWebhookUrl(c.url, resolve, c.policy)).toMatchObject(c.expected);
    expect(asked).toEqual([]);
  });

  it.each<{ policy: AddressPolicy; expected: object }>([
    { policy: LOCAL, expected: { ok: true, address: "127.0.0.1", family: 4 } },
    { policy: DEPLOYED, expected: { ok: false, refusal: "loopback" } },
  ])(
    "a name resolving to loopback with allowLoopback $policy.allowLoopback",
    async ({ policy, expected }) => {
      const { resolve } = mapResolver({ localhost: ["127.0.0.1", "::1"] });
      expect(await vetWebhookUrl("https://localhost:9000/hook", resolve, policy)).toMatchObject(expected);
    },
  );

  it("refuses a malformed URL before resolving anything", async () => {
    const { resolve, asked } = mapResolver({});
    expect(await vetWebhookUrl("https://user:pw@hooks.example.com/", resolve, DEPLOYED)).toEqual({
      ok: false,
      refusal: "credentials-in-url",
    });
    expect(await vetWebhookUrl("https://metadata.google.internal/", resolve, DEPLOYED)).toEqual({
      ok: false,
      refusal: "metadata-host",
    });
    expect(asked).toEqual([]);
  });
});
