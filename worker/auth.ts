// Optional bearer-token protection of /classify, switched on by the CLASSIFY_TOKEN secret. Hono's bearer-auth
// compares in constant time (SHA-256 of both sides, then a length-independent comparison).
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { AppEnv } from "./bindings.ts";
import type { ErrorBody } from "./errors.ts";

const REALM = "edge-digits";
/** RFC 6750 token68 characters: what a client can put after "Bearer ". */
const TOKEN_SYNTAX = /^[A-Za-z0-9._~+/-]+=*$/;

const HOW_TO = "Send the header Authorization: Bearer <token> (curl -H 'Authorization: Bearer <token>').";

const missing: ErrorBody = { error: "unauthorized", message: `This endpoint needs an access token. ${HOW_TO}` };
const malformed: ErrorBody = {
  error: "invalid_authorization",
  message: `The Authorization header is not of the form "Bearer <token>". ${HOW_TO}`,
};
const wrong: ErrorBody = { error: "unauthorized", message: "The access token is not valid." };

function bearerFor(token: string): MiddlewareHandler {
  if (!TOKEN_SYNTAX.test(token)) {
    // No client could ever send it: fail closed (generic 500) and say why in the log.
    throw new Error("CLASSIFY_TOKEN contains characters a Bearer token cannot carry; use e.g. `openssl rand -hex 32`");
  }
  return bearerAuth({
    token,
    realm: REALM,
    noAuthenticationHeader: { message: missing },
    invalidAuthenticationHeader: { message: malformed },
    invalidToken: { message: wrong },
  });
}

export function classifyAuth(): MiddlewareHandler<AppEnv> {
  let cached: { token: string; handler: MiddlewareHandler } | undefined;
  return (c, next) => {
    const token = c.env?.CLASSIFY_TOKEN;
    if (!token) return next();
    if (cached?.token !== token) cached = { token, handler: bearerFor(token) };
    return cached.handler(c, next);
  };
}
