/** Typed event hub for subscriptions; payloads are schema-checked before delivery. */
import type { EventName, EventPayload } from '../../shared/api';
import { checkEvent } from './dispatch';

type Listener<E extends EventName> = (payload: EventPayload<E>) => void;

export class StationEvents {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** Deliver to every listener; a payload that fails its schema is dropped, a throwing listener is isolated. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): boolean {
    const checked = checkEvent(event, payload);
    if (checked === null) return false;
    for (const l of this.listeners.get(event) ?? []) {
      try {
        l(checked);
      } catch {
        // one broken subscriber must not stop the others or the station
      }
    }
    return true;
  }
}
