/**
 * Small parsers for environment variables. Each returns the value or records one problem that names
 * the variable, the value received and what is allowed, so a bad deployment fails at start with
 * one readable message instead of odd behaviour later (`parseInt(undefined)` → NaN).
 */

export type Env = Readonly<Record<string, string | undefined>>;

/** Variables whose values never appear in messages or logs. */
export const SECRET_VARIABLES = new Set(["PIXELLAB_API_KEY", "PIXELLAB_SECRET", "METRICS_TOKEN"]);

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Reads variables from `env`, collecting every problem before throwing once. */
export class EnvReader {
  readonly problems: string[] = [];
  private readonly env: Env;
  constructor(env: Env) {
    this.env = env;
  }

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  private shown(name: string, value: string): string {
    return SECRET_VARIABLES.has(name) ? "<redacted>" : JSON.stringify(value);
  }

  problem(name: string, value: string, allowed: string): void {
    this.problems.push(`${name}=${this.shown(name, value)}: ${allowed}`);
  }

  /** An integer within [min, max], or `fallback` when unset. */
  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      this.problem(name, value, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return parsed;
  }

  /**
   * An amount of US dollars with at most 6 decimals ("0.05", "10"), within [0, max] USD, as integer
   * micro-dollars; `fallback` (micro-dollars) when unset.
   */
  usd(name: string, fallback: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const micros = Math.round(Number(value) * 1_000_000);
    if (!/^\d+(\.\d{1,6})?$/.test(value) || micros > max * 1_000_000) {
      this.problem(name, value, `must be an amount of USD from 0 to ${max} with at most 6 decimals`);
      return fallback;
    }
    return micros;
  }

  /** A string matching `pattern` (described by `allowed`), or `fallback` when unset. */
  string(name: string, fallback: string, pattern: RegExp, allowed: string): string;
  string(name: string, fallback: undefined, pattern: RegExp, allowed: string): string | undefined;
  string(name: string, fallback: string | undefined, pattern: RegExp, allowed: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!pattern.test(value)) {
      this.problem(name, value, allowed);
      return fallback;
    }
    return value;
  }

  /** A required string; missing is a problem. */
  required(name: string, pattern: RegExp, allowed: string): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.problems.push(`${name} is not set: ${allowed}`);
      return "";
    }
    return this.string(name, value, pattern, allowed);
  }

  /** One of `values`, or `fallback` when unset. */
  oneOf<T extends string>(name: string, fallback: T, values: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(values as readonly string[]).includes(value)) {
      this.problem(name, value, `must be one of ${values.join(", ")}`);
      return fallback;
    }
    return value as T;
  }

  /** An absolute URL with one of `protocols`, or `fallback` when unset. */
  url(name: string, fallback: string | undefined, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !protocols.includes(parsed.protocol)) {
      this.problem(name, value, `must be an absolute URL starting with ${protocols.join(" or ")}//`);
      return fallback;
    }
    return value.replace(/\/+$/, "");
  }

  /** Throws one ConfigError listing every problem found. */
  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}
