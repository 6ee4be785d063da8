// Lives in the plugin API (the http source reads bodies too); the gateway's routes import it from here.
export { readBody } from "../plugin-api/read-body.ts";
