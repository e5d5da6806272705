/** A response read whole: status, headers and the body parsed as JSON when it is JSON. */
export interface TestResponse {
  status: number;
  headers: Headers;
  body: unknown;
  /** The raw bytes (for images). */
  bytes: Buffer;
}

/** Calls the API under test over real HTTP, as a client would. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    token?: string;
    json?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get("content-type") ?? "";
  const parsed =
    type.includes("json") && bytes.length > 0 ? (JSON.parse(bytes.toString("utf8")) as unknown) : undefined;
  return { status: response.status, headers: response.headers, body: parsed, bytes };
}
