/** The event as config functions (`transform`, header functions) see it. */
export interface EventView {
  id: string;
  type: string;
  timestamp: string;
  data: unknown;
  source: string;
  /** The event's tenant; null for a global event. */
  tenant: string | null;
  /** The event's ordering key (DESIGN §13); null when it has none. */
  orderingKey: string | null;
}

/** A header value computed per attempt: `"X-CEPro-Event": ({ event }) => event.type`. */
export type HeaderFn = (ctx: { event: EventView; deliveryId: string; attempt: number; timestamp: number }) => unknown;
export type TransformFn = (event: EventView) => unknown;
