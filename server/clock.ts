// The time as Misto sees it: the system clock in production, a hand-moved one in tests.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still until told to move (deadlines, escalation, the one-year rule). */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string = '2026-11-23T09:00:00Z') {
    this.t = new Date(start).getTime();
  }
  now() {
    return new Date(this.t);
  }
  advance(ms: number) {
    this.t += ms;
  }
  set(to: Date | string) {
    this.t = new Date(to).getTime();
  }
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
