// Security headers on every response (JSON, errors, the HTML page), via Hono's secure-headers middleware.
import { secureHeaders } from "hono/secure-headers";

/**
 * One policy for JSON and for the drawing page (worker/public): scripts, styles, images and fetches from this
 * origin only, plus data: images (the page shows the model's 28×28 input as a data URL); no forms, no inline script or
 * style, nothing from other hosts, never framed. A handler that sets its own policy keeps it.
 */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders() {
  return secureHeaders({
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    // Headers a handler set itself win (e.g. a page-specific CSP).
    overwrite: false,
  });
}
