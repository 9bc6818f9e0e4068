/**
 * Joins an event with its sub-events, as the original's Grouper: events are
 * gathered by id, and when the top-level event of an id arrives (a type with
 * no dot; it closes last, so it comes last) the whole group is emitted.
 * At most `maxGroups` unfinished groups are held; the oldest are let go
 * (emitted as they are) beyond that.
 */
import type { Event } from '../store/event-reader';

export class Grouper {
  private readonly groups = new Map<string, Event[]>();

  constructor(
    private readonly emit: (group: Event[]) => void,
    private readonly maxGroups = 1000,
  ) {}

  push(event: Event): void {
    const id = String(event.id ?? '');
    let group = this.groups.get(id);
    if (group === undefined) {
      group = [];
      this.groups.set(id, group);
      if (this.groups.size > this.maxGroups) {
        const [oldest, events] = this.groups.entries().next().value as [string, Event[]];
        this.groups.delete(oldest);
        this.emit(events);
      }
    }
    group.push(event);
    if (!String(event.type ?? '').includes('.')) {
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
