/** hookgate's version: `hookgate version`, the OpenAPI document and the User-Agent of every delivery. */
export const VERSION = "0.1.0";
