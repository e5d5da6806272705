/**
 * The top-level keys of one JSON object line, in order and with repeats kept: `JSON.parse` keeps
 * only the last of a repeated key, so a test that wants to see repeats must read the text itself.
 */
export function topLevelKeys(line: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (ch === "{" || ch === "[") depth += 1;
    else if (ch === "}" || ch === "]") depth -= 1;
    else if (ch === '"') {
      const end = stringEnd(line, i);
      if (depth === 1 && /^\s*:/.test(line.slice(end + 1)))
        keys.push(JSON.parse(line.slice(i, end + 1)) as string);
      i = end;
    }
  }
  return keys;
}

/** The index of the quote closing the JSON string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === '"') return i;
  }
  throw new Error(`unterminated string at ${start} in ${text}`);
}

/** Keys that appear more than once at the top level of `line`. */
export function repeatedKeys(line: string): string[] {
  const keys = topLevelKeys(line);
  return [...new Set(keys.filter((key, index) => keys.indexOf(key) !== index))];
}
