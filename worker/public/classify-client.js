// @ts-check
// The page's only call to the server: the same POST /classify that curl uses, as multipart field "img" (with
// the access token as a Bearer header when the deployment asks for one).

/**
 * @typedef {object} Classification The worker's answer (see /openapi.json, schema Classification).
 * @property {number} digit
 * @property {number} confidence
 * @property {number[]} probabilities
 * @property {{ name: string, sha: string }} model
 * @property {{ decode: number, preprocess: number, inference: number }} timings
 * @property {{ input: { png: string } }} [debug]
 */

/** The server refused the image or could not be reached; `message` is meant for the user. */
export class ClassifyError extends Error {
  /** @param {string} message @param {number} status HTTP status, 0 when there was no answer */
  constructor(message, status) {
    super(message);
    this.name = "ClassifyError";
    this.status = status;
  }

  /** The server wants an access token (none was sent, or the one sent is not valid). */
  get needsToken() {
    return this.status === 401;
  }
}

/**
 * @param {Blob} image PNG or JPEG bytes
 * @param {string} filename
 * @param {string} [token] access token, for a deployment that sets CLASSIFY_TOKEN
 * @returns {Promise<Classification>}
 */
export async function classify(image, filename, token) {
  const form = new FormData();
  form.append("img", image, filename);
  /** @type {Record<string, string>} */
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  /** @type {Response} */
  let res;
  try {
    res = await fetch("/classify?debug=1", { method: "POST", body: form, headers });
  } catch {
    throw new ClassifyError("Could not reach the server. Check the connection and try again.", 0);
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const message = typeof body?.message === "string" ? body.message : `The server answered ${res.status} ${res.statusText}.`;
    throw new ClassifyError(message, res.status);
  }
  if (typeof body?.digit !== "number" || !Array.isArray(body.probabilities)) {
    throw new ClassifyError("The server's answer was not a classification.", res.status);
  }
  return body;
}
