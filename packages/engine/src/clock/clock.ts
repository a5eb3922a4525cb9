// The scenario's clock. Nothing in the engine reads the wall clock: caches, sessions and certificates read
// this, and time moves only when a scenario says so.

export class VirtualClock {
  private nowMs: number;

  constructor(start: Date = new Date('2011-12-12T09:00:00Z')) {
    this.nowMs = start.getTime();
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  millis(): number {
    return this.nowMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`the clock only moves forward; ${ms} ms is not a duration`);
    this.nowMs += ms;
  }
}

const UNITS: Record<string, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** "7 hours", "90 minutes", "1 day" → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(second|minute|hour|day)s?\s*$/i.exec(text);
  if (!m) throw new Error(`"${text}" is not a duration; write e.g. 90 minutes, 7 hours, 1 day`);
  return Number(m[1]) * UNITS[m[2].toLowerCase()];
}
