// The endpoint concept lives in ./endpoints/; this keeps the imports of events.ts and ingest.ts working until they point there.
export type { EventView, HeaderFn } from "./event-view.ts";
export type { EndpointRegistry } from "./endpoints/registry.ts";
