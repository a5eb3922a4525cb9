// What is inside the mailboxes the availability service reads: calendar items and the calendar folder's
// permission for the Default user. Mailbox content is not topology, so it is not in the directory; each
// organization keeps its own, addressed by the mailbox's primary SMTP address.

import type { CalendarEvent } from './free-busy';
import type { FreeBusyAccessLevel } from './directory';

/** Calendar folder permissions that bear on free/busy, lowest first. Reviewer and above show everything. */
export type CalendarPermission = 'None' | 'AvailabilityOnly' | 'LimitedDetails' | 'Reviewer';
export const CALENDAR_PERMISSIONS: readonly CalendarPermission[] = ['None', 'AvailabilityOnly', 'LimitedDetails', 'Reviewer'];

export interface Calendar {
  events: CalendarEvent[];
  /** The Default user's right on the Calendar folder: AvailabilityOnly unless someone changes it. */
  defaultPermission: CalendarPermission;
}

export class MailboxContent {
  private readonly calendars = new Map<string, Calendar>();

  calendar(address: string): Calendar {
    const key = address.toLowerCase();
    let c = this.calendars.get(key);
    if (!c) {
      c = { events: [], defaultPermission: 'AvailabilityOnly' };
      this.calendars.set(key, c);
    }
    return c;
  }
}

/** The level an external requester gets: the relationship's level, lowered by the calendar's permission. */
export function effectiveLevel(relationship: FreeBusyAccessLevel, calendar: CalendarPermission): FreeBusyAccessLevel {
  const order: FreeBusyAccessLevel[] = ['None', 'AvailabilityOnly', 'LimitedDetails'];
  const cal: FreeBusyAccessLevel = calendar === 'Reviewer' ? 'LimitedDetails' : calendar;
  return order[Math.min(order.indexOf(relationship), order.indexOf(cal))];
}
