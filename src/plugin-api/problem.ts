// A plugin answers with the same problem+json as the gateway; http/ builds on these.
/** RFC 9457 problem details, the one error shape of every answer hookgate gives. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Content",
  429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
};

export function problemBody(status: number, detail: string, errors?: ProblemBody["errors"], slug?: string): ProblemBody {
  const title = TITLES[status] ?? "Error";
  return {
    type: `https://hookgate.dev/problems/${slug ?? title.toLowerCase().replace(/[^a-z]+/g, "-")}`,
    title, status, detail, ...(errors ? { errors } : {}),
  };
}

export function problem(status: number, detail: string, errors?: ProblemBody["errors"], headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(status, detail, errors)), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}
