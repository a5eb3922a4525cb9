// The information store's view of rights given on a container. Active Directory applies an ACE on a
// mailbox database or storage group to the objects below it at once, but the store reads a mailbox's rights
// from its own cache, so a Receive-As on "First Storage Group" reaches John Doe's mailbox only later (the
// seed: 30 minutes to hours). Rights on the mailbox's own account take effect at once.

import type { VirtualClock } from '../clock/clock';

/** The seed gives a range, not a value; two hours is where this simulation puts it unless a scenario says otherwise. */
export const DEFAULT_INHERITANCE_DELAY_MS = 2 * 3_600_000;
export const INHERITANCE_DELAY_RANGE_MS = { min: 30 * 60_000, max: 24 * 3_600_000 };

export class StorePermissions {
  /** When a right was written on a container: "container DN|trustee SID" → virtual time. */
  private readonly grants = new Map<string, number>();
  inheritanceDelayMs = DEFAULT_INHERITANCE_DELAY_MS;

  constructor(private readonly clock: VirtualClock) {}

  noteContainerGrant(containerDn: string, trusteeSid: string): void {
    this.grants.set(key(containerDn, trusteeSid), this.clock.millis());
  }

  /** The right was in place long before the scenario began (a step that says it "has had" it). */
  markFlowed(containerDn: string, trusteeSid: string): void {
    this.grants.delete(key(containerDn, trusteeSid));
  }

  /** Whether a right on a container has reached the mailboxes below it. One the store never saw written is old. */
  flowed(containerDn: string, trusteeSid: string): boolean {
    const at = this.grants.get(key(containerDn, trusteeSid));
    return at === undefined || this.clock.millis() - at >= this.inheritanceDelayMs;
  }
}

function key(dn: string, sid: string): string {
  return `${dn.toLowerCase()}|${sid.toUpperCase()}`;
}
