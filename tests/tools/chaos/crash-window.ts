/**
 * When a request PixelLab answered twice was paid again only because processJob was SIGKILLed: the
 * one window no design closes, since the answer existed only in the dead process. Pure, so the rule
 * is tested on its own (tests/unit/chaos-crash-window.test.ts).
 */

/** One processJob kill: when it struck and when the next instance was up again (epoch ms). */
export interface Kill {
  at: number;
  upAt: number;
}

/**
 * Whether each good generation but the last is explained by a kill, so the `extra` generations are
 * the crash window's and not a bug. A generation is explained by a kill that
 * - struck after it was handed out and no later than the next generation (the attempt died holding
 *   an answer it had not stored yet), or
 * - struck before it was handed out while no processJob was up (between the strike and the next
 *   instance): the call was in flight from the dead instance, and PixelLab answered (and billed) a
 *   socket nobody read any more. This machine's loaded event loops put such answers tens of
 *   milliseconds after the kill.
 * A double with no kill in either place is a bug, and stays a violation.
 */
export function lostToKills(generatedAt: readonly number[], extra: number, kills: readonly Kill[]): boolean {
  const times = [...generatedAt].sort((a, b) => a - b);
  if (extra <= 0 || times.length - 1 < extra) return false;
  return times.slice(0, -1).every((at, i) => kills.some((kill) => explains(kill, at, times[i + 1] ?? at)));
}

function explains(kill: Kill, at: number, next: number): boolean {
  const heldTheAnswer = kill.at >= at && kill.at <= next;
  const callInFlight = kill.at < at && at <= kill.upAt;
  return heldTheAnswer || callInFlight;
}

/**
 * How long after the paid answer each explaining kill struck, in ms: the size of the window. Negative
 * when the kill came first and the answer went to the dead instance's call.
 */
export function killGaps(generatedAt: readonly number[], kills: readonly Kill[]): number[] {
  const times = [...generatedAt].sort((a, b) => a - b);
  return times.slice(0, -1).map((at, i) => {
    const next = times[i + 1] ?? at;
    const gaps = kills.filter((kill) => explains(kill, at, next)).map((kill) => kill.at - at);
    return gaps.length === 0 ? Number.NaN : gaps.reduce((a, b) => (Math.abs(b) < Math.abs(a) ? b : a));
  });
}
