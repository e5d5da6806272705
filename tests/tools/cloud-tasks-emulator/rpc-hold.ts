/**
 * Test control: a stalled Cloud Tasks. RPCs named in `hold()` are received but left unanswered; the
 * caller sees a connected channel that never replies, so only its own deadline ends the call.
 * `release()` then runs the held calls in arrival order, as a slow production frontend may commit a
 * request after its caller gave up: a CreateTask whose client already timed out still creates the task.
 */
export class RpcHold {
  private readonly held = new Set<string>();
  private waiting: (() => void)[] = [];

  /** Starts holding these RPCs (camelCase, e.g. `createTask`); others keep answering. */
  hold(rpcs: readonly string[]): void {
    for (const rpc of rpcs) this.held.add(rpc);
  }

  /** Stops holding every RPC and runs the held calls, oldest first; returns how many ran. */
  release(): number {
    this.held.clear();
    const calls = this.waiting;
    this.waiting = [];
    for (const run of calls) run();
    return calls.length;
  }

  /** Calls waiting right now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Runs `call` now, or keeps it until `release()` when its RPC is held. */
  admit(rpc: string, call: () => void): void {
    if (this.held.has(rpc)) this.waiting.push(call);
    else call();
  }

  /** Forgets held calls without running them (the server is shutting down and cancels them). */
  drop(): void {
    this.held.clear();
    this.waiting = [];
  }
}
