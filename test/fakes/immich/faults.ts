/**
 * Fault injection: make matching requests fail before the fake's routes see them, or (`loseReply`, `hangAfterCommit`)
 * after the route has done its work, the way a reply lost on the wire leaves a write done but unconfirmed.
 */
import { mulberry32 } from '../../helpers/random.js';
import type { OperationName } from './operations.js';

export type Fault =
  /** Answer with this status. JSON `{message, error, statusCode, correlationId}` by default; `html` mimics a reverse proxy page. */
  | { kind: 'status'; status: number; message?: string; html?: boolean }
  /** `HttpResponse.error()`: the fetch rejects with a TypeError, like a connection reset. */
  | { kind: 'reset' }
  /** Never answer (until the client aborts or the fake closes): for client-side timeouts. */
  | { kind: 'hang' }
  /** Wait, then answer normally. */
  | { kind: 'delay'; ms: number }
  /** Do the request's work, then drop the reply like a connection reset: the write happened, the client cannot know. */
  | { kind: 'loseReply' }
  /** Do the request's work, then never answer (until the client aborts): a reply slower than the client's timeout. */
  | { kind: 'hangAfterCommit' };

/** Faults that let the route run first and only spoil its reply. */
export const AFTER_COMMIT: ReadonlySet<Fault['kind']> = new Set(['loseReply', 'hangAfterCommit']);

export interface FaultMatch {
  /** SDK operation name(s), e.g. 'searchAssets'; omitted or '*' matches every route. */
  op?: OperationName | readonly OperationName[] | '*';
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Tested against the path below the base URL, e.g. '/assets/<id>/thumbnail'. */
  path?: RegExp;
  /** How many matching requests fail (default 1; Infinity for all). */
  times?: number;
  /** Let this many matching requests through before failing (default 0). */
  skip?: number;
  /** Fail each matching request only with this probability, drawn from a PRNG seeded with `seed` (default 1). */
  probability?: number;
  seed?: number;
}

export interface FaultHandle {
  readonly fault: Fault;
  /** Requests this fault has answered. */
  readonly hits: number;
  /** Requests it will still answer. */
  readonly remaining: number;
  cancel(): void;
}

interface Entry {
  fault: Fault;
  match: FaultMatch;
  remaining: number;
  skip: number;
  hits: number;
  draw: () => number;
}

export class FaultRegistry {
  private entries: Entry[] = [];

  add(fault: Fault, match: FaultMatch = {}): FaultHandle {
    const entry: Entry = {
      fault,
      match,
      remaining: match.times ?? 1,
      skip: match.skip ?? 0,
      hits: 0,
      draw: mulberry32(match.seed ?? 1),
    };
    this.entries.push(entry);
    const entries = () => this.entries;
    return {
      fault,
      get hits() {
        return entry.hits;
      },
      get remaining() {
        return entry.remaining;
      },
      cancel: () => {
        this.entries = entries().filter((e) => e !== entry);
      },
    };
  }

  /** The first armed fault that matches this request, consuming one of its uses. */
  take(op: OperationName, method: string, path: string): Fault | undefined {
    for (const entry of this.entries) {
      const { match } = entry;
      const ops = match.op === undefined || match.op === '*' ? undefined : ([] as OperationName[]).concat(match.op);
      if (ops && !ops.includes(op)) continue;
      if (match.method && match.method !== method) continue;
      if (match.path && !match.path.test(path)) continue;
      if (entry.skip > 0) {
        entry.skip--;
        continue;
      }
      if (match.probability !== undefined && entry.draw() >= match.probability) continue;
      entry.remaining--;
      entry.hits++;
      if (entry.remaining <= 0) this.entries = this.entries.filter((e) => e !== entry);
      return entry.fault;
    }
    return undefined;
  }

  clear(): void {
    this.entries = [];
  }

  get armed(): number {
    return this.entries.length;
  }
}
