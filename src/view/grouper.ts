/**
 * Joins an event with its sub-events, as the original's Grouper: events are
 * gathered by id, and when the top-level event of an id arrives (a type with
 * no dot; it closes last, so it comes last) the whole group is emitted.
 * At most `maxGroups` unfinished groups are held; the oldest are let go
 * (emitted as they are) beyond that.
 */
import type { EventFields } from '../store/event-fields';

/** An event as the grouper holds it: its bytes (to print) and its fields (to group by). */
export interface HeldEvent {
  raw: Buffer;
  fields: EventFields;
}

export class Grouper {
  private readonly groups = new Map<string, HeldEvent[]>();

  constructor(
    private readonly emit: (group: HeldEvent[]) => void,
    private readonly maxGroups = 1000,
  ) {}

  push(event: HeldEvent): void {
    const id = String(event.fields.id ?? '');
    let group = this.groups.get(id);
    if (group === undefined) {
      group = [];
      this.groups.set(id, group);
      if (this.groups.size > this.maxGroups) {
        const [oldest, events] = this.groups.entries().next().value as [string, HeldEvent[]];
        this.groups.delete(oldest);
        this.emit(events);
      }
    }
    group.push(event);
    if (!String(event.fields.type ?? '').includes('.')) {
      this.groups.delete(id);
      this.emit(group);
    }
  }

  /** The input ended: what never saw its top-level event is emitted as it is. */
  end(): void {
    for (const group of this.groups.values()) this.emit(group);
    this.groups.clear();
  }
}
