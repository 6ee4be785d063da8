import type { Problem } from "./problems.ts";
import { secretProblem, type SchemeName } from "../core/signing.ts";
import { checkUrl } from "../outbound/url-policy.ts";
import type { Config } from "./schema.ts";

type EndpointLike = {
  url: string;
  secret?: string;
  signing: { scheme: SchemeName };
};

/** Checks an endpoint can be delivered to as configured: URL policy and secret format. */
export function checkEndpoint(endpoint: EndpointLike, delivery: Config["delivery"], at: string): Problem[] {
  const problems: Problem[] = [];
  const urlError = checkUrl(endpoint.url, delivery);
  if (urlError) problems.push({ path: `${at}.url`, message: urlError });
  const secretError = secretProblem(endpoint.signing.scheme, endpoint.secret);
  if (secretError) problems.push({ path: `${at}.secret`, message: secretError });
  return problems;
}
