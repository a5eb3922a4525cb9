// What a contact sees in Cisco Unified Personal Communicator (CUPC): one status out of several sources.
// Phone presence beats calendar presence, which beats the availability the user set by hand; the others
// are not lost, the tooltip lists every state. Calendar presence comes only from the presence gateway, and
// only for a user who ticked "Show me as 'In a Meeting' whenever my Exchange calendar shows me as busy".

import type { BusyType } from '../federation/free-busy';

/** Availability a user sets in CUPC (or the client sets for her). */
export const AVAILABILITY_STATUSES = ['Available', 'Away', 'Do Not Disturb', 'Offline'] as const;
export type AvailabilityStatus = (typeof AVAILABILITY_STATUSES)[number];

export const PHONE_STATUSES = ['On the phone', 'Idle'] as const;
export type PhoneStatus = (typeof PHONE_STATUSES)[number];

/** The calendar's state now, as the gateway maps Exchange's busy status (Cisco's table). */
export type CalendarPresence = 'Available' | 'In a meeting' | 'Away';

export const CUPC_CALENDAR_SETTING = "Show me as 'In a Meeting' whenever my Exchange calendar shows me as busy";

/** Free and Tentative → Available, Busy → In a meeting, Out of Office → Away; no data → no calendar presence. */
export function calendarPresenceOf(busy: BusyType | undefined): CalendarPresence | undefined {
  switch (busy) {
    case 'Free':
    case 'Tentative':
      return 'Available';
    case 'Busy':
      return 'In a meeting';
    case 'OOF':
      return 'Away';
    default:
      return undefined;
  }
}

/** The busy type that holds at an instant: the strongest of the items that cover it (OOF > Busy > Tentative > Free). */
export function busyTypeAt(events: ReadonlyArray<{ start: Date; end: Date; busyType: BusyType }>, at: Date): BusyType | undefined {
  const rank: Record<BusyType, number> = { Free: 0, Tentative: 1, Busy: 2, OOF: 3, NoData: -1 };
  let best: BusyType | undefined;
  for (const e of events) {
    if (e.start.getTime() <= at.getTime() && at.getTime() < e.end.getTime() && (best === undefined || rank[e.busyType] > rank[best])) best = e.busyType;
  }
  return best;
}

export interface PresenceSources {
  /** Signed in to CUPC: offline users show Offline whatever else is known. */
  signedIn: boolean;
  availability: AvailabilityStatus;
  phone: PhoneStatus;
  /** What the presence gateway last learnt from Exchange; undefined when it learnt nothing. */
  calendar?: CalendarPresence;
  /** The CUPC setting; without it the calendar's state is not published. */
  showCalendar: boolean;
}

export interface CompositePresence {
  /** The one status CUPC displays. */
  shown: string;
  /** Where it came from. */
  source: 'phone' | 'calendar' | 'availability';
  /** The tooltip: every state, the availability's label first ("Online" for Available). */
  tooltip: string[];
}

export function compositePresence(s: PresenceSources): CompositePresence {
  if (!s.signedIn) return { shown: 'Offline', source: 'availability', tooltip: ['Offline'] };
  const calendar = s.showCalendar ? s.calendar : undefined;
  const tooltip = [s.availability === 'Available' ? 'Online' : s.availability];
  if (s.phone === 'On the phone') tooltip.push('On the phone');
  // "Available" from the calendar adds nothing to the tooltip; a meeting or an absence does.
  if (calendar && calendar !== 'Available') tooltip.push(calendar);
  if (s.phone === 'On the phone') return { shown: 'On the phone', source: 'phone', tooltip };
  // Calendar presence outranks the manual status, but only when it says something: free time leaves it.
  if (calendar && calendar !== 'Available') return { shown: calendar, source: 'calendar', tooltip };
  return { shown: s.availability, source: 'availability', tooltip };
}
