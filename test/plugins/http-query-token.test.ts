import { expect, test } from "bun:test";
import { queryTokenName } from "../../plugins/http/query-token.ts";

test.each([
  ["/v1/events", null],
  ["/v1/events?", null],
  ["/v1/events?x=1", null],
  ["/v1/events?token=abc", "token"],
  ["/v1/events?TOKEN=abc", "TOKEN"],
  ["/v1/events?Token=abc", "Token"],
  ["/v1/events?a=1&access_token=abc", "access_token"],
  ["/v1/events?Access_Token=abc", "Access_Token"],
  ["/v1/events?api_key=1", "api_key"],
  ["/v1/events?APIKEY=1", "APIKEY"],
  ["/v1/events?api-key=1", "api-key"],
  ["/v1/events?x-api-key=1", "x-api-key"],
  ["/v1/events?X-API-KEY=1", "X-API-KEY"],
  ["/v1/events?bearer=1", "bearer"],
  ["/v1/events?Bearer", "Bearer"],
  ["/v1/events?key=", "key"],
  ["/v1/events?auth=1", "auth"],
  ["/v1/events?Authorization=Bearer%20x", "Authorization"],
  // Percent-encoded and plus-encoded names are what the server decodes them to.
  ["/v1/events?%54oken=1", "Token"],
  ["/v1/events?x%2Dapi%2Dkey=1", "x-api-key"],
  // Names that only contain one of the words are not tokens.
  ["/v1/events?tokenizer=1&monkey=2&author=3", null],
  // Absolute and relative (HTTP/1.0 without Host) request URLs alike.
  ["http://127.0.0.1:8080/v1/events?Token=1", "Token"],
  ["http://127.0.0.1:8080/v1/events", null],
] as const)("%s → %p", (url, name) => {
  expect(queryTokenName(url)).toBe(name);
});
