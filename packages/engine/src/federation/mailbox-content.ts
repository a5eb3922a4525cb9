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
  /** The folder's name, in the language of the client that first opened the mailbox ("Kalender" in German). */
  folderName: string;
}

export class MailboxContent {
  private readonly calendars = new Map<string, Calendar>();

  calendar(address: string): Calendar {
    const key = address.toLowerCase();
    let c = this.calendars.get(key);
    if (!c) {
      c = { events: [], defaultPermission: 'AvailabilityOnly', folderName: 'Calendar' };
      this.calendars.set(key, c);
    }
    return c;
  }

  /** Adds items to a calendar and tells whoever watches it (notification subscriptions). */
  addEvents(address: string, events: readonly CalendarEvent[]): void {
    this.calendar(address).events.push(...events);
    this.changed(address);
  }

  /** Renames the calendar folder (Outlook.exe /resetfoldernames in another language). */
  renameFolder(address: string, name: string): void {
    this.calendar(address).folderName = name;
    this.changed(address);
  }

  /** Called with the address of every calendar that changes. */
  onChange(listener: (address: string) => void): void {
    this.listeners.push(listener);
  }

  private readonly listeners: Array<(address: string) => void> = [];

  private changed(address: string): void {
    for (const l of this.listeners) l(address.toLowerCase());
  }
}

/** The level an external requester gets: the relationship's level, lowered by the calendar's permission. */
export function effectiveLevel(relationship: FreeBusyAccessLevel, calendar: CalendarPermission): FreeBusyAccessLevel {
  const order: FreeBusyAccessLevel[] = ['None', 'AvailabilityOnly', 'LimitedDetails'];
  const cal: FreeBusyAccessLevel = calendar === 'Reviewer' ? 'LimitedDetails' : calendar;
  return order[Math.min(order.indexOf(relationship), order.indexOf(cal))];
}
