// The draw-a-digit page (GET /) in a real browser: Debian's Chromium driven by Playwright against `wrangler dev`.
// Digits are drawn with the mouse and, on a phone-sized screen, with touch; files go through the upload control.
// Every page runs under a strict Content-Security-Policy added by the test, and any CSP violation, script error
// or console error fails the test. Screenshots for review go to test/output/.
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { extname } from "node:path";
import { chromium, type Browser, type BrowserContextOptions, type Page, type Request } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startWranglerDev, type WranglerDev } from "./helpers/wrangler.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  // No internet here: without these Chromium keeps trying to reach Google's services.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const OUTPUT = `${ROOT}test/output/`;
const PUBLIC = `${ROOT}worker/public/`;
const FIXTURES = `${ROOT}test/fixtures/`;

/** What the page may load: its own files, data: images (the model's 28×28 input) and fetches to its own origin. */
const STRICT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
};

type Point = [x: number, y: number];
/** Strokes in fractions of the canvas (0,0 = top left, 1,1 = bottom right). */
type Strokes = Point[][];

function ellipse(cx: number, cy: number, rx: number, ry: number, segments = 36): Point[] {
  return Array.from({ length: segments + 1 }, (_, i) => {
    const angle = (2 * Math.PI * i) / segments;
    return [cx + rx * Math.sin(angle), cy - ry * Math.cos(angle)];
  });
}

/** Digits drawn as a person would: a 1 straight down, a 7 as bar + diagonal in one go, a 0 as an oval, a 4 in two strokes. */
const DRAWN_DIGITS: { digit: number; strokes: Strokes }[] = [
  { digit: 1, strokes: [[[0.5, 0.15], [0.5, 0.85]]] },
  { digit: 7, strokes: [[[0.28, 0.2], [0.72, 0.2], [0.45, 0.85]]] },
  { digit: 0, strokes: [ellipse(0.5, 0.5, 0.22, 0.33)] },
  {
    digit: 4,
    strokes: [
      [[0.58, 0.15], [0.28, 0.6], [0.75, 0.6]],
      [[0.6, 0.35], [0.6, 0.88]],
    ],
  },
];

interface OpenedPage {
  page: Page;
  /** Every POST /classify the page sent, in order. */
  classifyRequests: Request[];
  /** CSP violations, uncaught errors and console errors; must stay empty unless a test expects a failed request. */
  problems: string[];
}

let dev: WranglerDev | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser test needs it: on Debian/Ubuntu run ` +
        `"apt-get install -y chromium" (or point CHROMIUM_PATH at a Chromium binary).`,
    );
  }
  mkdirSync(OUTPUT, { recursive: true });
  [dev, browser] = await Promise.all([
    startWranglerDev(),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS }),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dev?.stop();
}, 60_000);

afterEach(({ task }) => {
  if (task.result?.state === "fail" && dev) console.error(`wrangler dev said:\n${dev.output().slice(-4000)}`);
});

async function openPage(
  options: BrowserContextOptions = { viewport: { width: 1280, height: 1000 } },
  server: WranglerDev = dev!,
): Promise<OpenedPage> {
  // Reduced motion switches off the bar transitions, so screenshots show final values. A fresh context for each test,
  // so no state carries over; contexts stay open until the browser closes, because closing one drops its connections
  // and `wrangler dev` 4.124 then sometimes exits ("Network connection lost" in its ProxyWorker, workers-sdk#15451).
  const context = await browser!.newContext({ ...options, reducedMotion: "reduce" });
  const problems: string[] = [];
  const classifyRequests: Request[] = [];
  await context.route(`${server.base}/`, async (route) => {
    const response = await route.fetch();
    const serverPolicy = response.headers()["content-security-policy"];
    // Two policies in one header are both enforced: the page must satisfy ours whatever the server sends.
    const policy = serverPolicy ? `${serverPolicy}, ${STRICT_CSP}` : STRICT_CSP;
    await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": policy } });
  });
  await context.exposeFunction("reportCspViolation", (text: string) => problems.push(`CSP: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(
        `${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`,
      );
    });
  });
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => msg.type() === "error" && problems.push(`console: ${msg.text()}`));
  page.on("request", (req) => req.method() === "POST" && new URL(req.url()).pathname === "/classify" && classifyRequests.push(req));
  await page.goto(`${server.base}/`);
  // The module script has run once the ten bars exist.
  await page.locator('[data-testid="probabilities"] li').nth(9).waitFor();
  return { page, classifyRequests, problems };
}

async function canvasBox(page: Page) {
  const pad = page.locator("#pad");
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error("the canvas is not visible");
  return box;
}

/** Draws strokes with the mouse or with touch (CDP touch events: the browser turns them into touch pointer events). */
async function draw(page: Page, strokes: Strokes, input: "mouse" | "touch" = "mouse"): Promise<void> {
  const box = await canvasBox(page);
  const toPage = ([x, y]: Point): Point => [box.x + x * box.width, box.y + y * box.height];
  const cdp = input === "touch" ? await page.context().newCDPSession(page) : undefined;
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", at?: Point) =>
    cdp!.send("Input.dispatchTouchEvent", { type, touchPoints: at ? [{ x: at[0], y: at[1] }] : [] });

  for (const stroke of strokes) {
    // Points every few pixels, as a real pointer reports them.
    const path: Point[] = [toPage(stroke[0]!)];
    for (let i = 1; i < stroke.length; i++) {
      const [from, to] = [toPage(stroke[i - 1]!), toPage(stroke[i]!)];
      const steps = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1]) / 6));
      for (let s = 1; s <= steps; s++) path.push([from[0] + ((to[0] - from[0]) * s) / steps, from[1] + ((to[1] - from[1]) * s) / steps]);
    }
    if (cdp) {
      await touch("touchStart", path[0]);
      for (const point of path.slice(1)) await touch("touchMove", point);
      await touch("touchEnd");
    } else {
      await page.mouse.move(...path[0]!);
      await page.mouse.down();
      for (const point of path.slice(1)) await page.mouse.move(...point);
      await page.mouse.up();
    }
  }
  await cdp?.detach();
}

/** Waits until the page has shown the answer to the request it is sending (or has sent) and returns the digit. */
async function answer(page: Page, sent: Promise<unknown>): Promise<string> {
  await sent;
  await page.locator('#result:is([data-state="done"], [data-state="error"])').waitFor();
  const [state, status] = [await page.locator("#result").getAttribute("data-state"), await page.locator("#status").textContent()];
  expect(state, `status line: ${status}`).toBe("done");
  return (await page.getByTestId("digit").textContent()) ?? "";
}

function classifyResponse(page: Page) {
  return page.waitForResponse((res) => new URL(res.url()).pathname === "/classify");
}

async function drawAndRecognise(page: Page, strokes: Strokes, input: "mouse" | "touch" = "mouse"): Promise<string> {
  await page.getByRole("button", { name: "Clear" }).click();
  // Every stroke is classified; the answer that counts is the one for the last.
  const sent = (async () => {
    await draw(page, strokes.slice(0, -1), input);
    const last = classifyResponse(page);
    await draw(page, strokes.slice(-1), input);
    await last;
  })();
  return answer(page, sent);
}

interface Bar {
  label: string;
  value: string;
  width: number;
  best: boolean;
}

function readBars(page: Page): Promise<Bar[]> {
  return page.$$eval('[data-testid="probabilities"] li', (rows) =>
    rows.map((row) => ({
      label: row.querySelector(".bar-label")?.textContent ?? "",
      value: row.querySelector(".bar-value")?.textContent ?? "",
      width: row.querySelector<HTMLElement>(".bar-fill")?.getBoundingClientRect().width ?? -1,
      best: row.classList.contains("best"),
    })),
  );
}

/** The shown result is complete: ten labelled bars with percentages summing to 100, the model's input, timings. */
async function expectFullResult(page: Page, digit: number): Promise<void> {
  const bars = await readBars(page);
  expect(bars.map((b) => b.label)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  for (const bar of bars) expect(bar.value).toMatch(/^\d{1,3}\.\d%$/);
  const total = bars.reduce((sum, b) => sum + Number.parseFloat(b.value), 0);
  expect(total).toBeGreaterThan(99);
  expect(total).toBeLessThan(101);
  expect(bars.findIndex((b) => b.best)).toBe(digit);
  expect(bars.filter((b) => b.best)).toHaveLength(1);
  expect(Math.max(...bars.map((b) => b.width))).toBe(bars[digit]!.width);
  expect(bars[digit]!.width).toBeGreaterThan(0);

  const image = page.locator("#model-input");
  expect(await image.isVisible()).toBe(true);
  expect(await image.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
  expect(await image.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([28, 28]);
  expect(await image.evaluate((img) => getComputedStyle(img).imageRendering)).toBe("pixelated");
  const shown = await image.boundingBox();
  expect(shown!.width).toBeGreaterThanOrEqual(28 * 3);

  for (const stage of ["decode", "preprocess", "inference", "round-trip"]) {
    expect(await page.locator(`#t-${stage}`).textContent()).toMatch(/^\d+(\.\d+)? ms$/);
  }
  expect(await page.locator("#confidence").textContent()).toMatch(/^\d{1,3}\.\d% confident$/);
}

/** The canvas's own pixels: how many are not white, and the box around them (in canvas pixels). */
function inkOnCanvas(page: Page) {
  return page.locator("#pad").evaluate((canvas: HTMLCanvasElement) => {
    const { width, height } = canvas;
    const data = canvas.getContext("2d")!.getImageData(0, 0, width, height).data;
    let count = 0;
    let [left, top, right, bottom] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = (y * width + x) * 4;
        if (data[p]! < 250 || data[p + 1]! < 250 || data[p + 2]! < 250) {
          count++;
          [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
        }
      }
    }
    return { count, left, top, right, bottom, width, height };
  });
}

/** A fixture uploaded straight to the API, as curl -F img=@file does. */
function postFixture(file: string): Promise<Response> {
  const form = new FormData();
  form.append("img", new Blob([readFileSync(FIXTURES + file)]), file);
  return fetch(`${dev!.base}/classify?debug=1`, { method: "POST", body: form });
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${OUTPUT}${name}.png`, fullPage: true });
}

describe("GET / over HTTP", () => {
  const TYPES: Record<string, RegExp> = {
    ".html": /^text\/html/,
    ".js": /^(text|application)\/javascript/,
    ".css": /^text\/css/,
    ".svg": /^image\/svg\+xml/,
  };

  it("serves every file of worker/public, and keeps JSON 404/405 and the API around them", async () => {
    const files = readdirSync(PUBLIC);
    expect(files).toContain("index.html");
    for (const file of files) {
      const path = file === "index.html" ? "/" : `/${file}`;
      const res = await fetch(`${dev!.base}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers.get("content-type")).toMatch(TYPES[extname(file)]!);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(PUBLIC + file))).toBe(true);
    }

    const post = await fetch(`${dev!.base}/`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(await post.json()).toMatchObject({ error: "method_not_allowed" });

    const missing = await fetch(`${dev!.base}/missing.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: "not_found" });

    const openapi = await fetch(`${dev!.base}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(Object.keys(((await openapi.json()) as { paths: object }).paths)).toContain("/classify");
  });
});

describe("the draw-a-digit page in Chromium", () => {
  it("recognises digits drawn with the mouse and shows probabilities, the model's input and timings", async () => {
    const { page, classifyRequests, problems } = await openPage();
    for (const { digit, strokes } of DRAWN_DIGITS) {
      expect(await drawAndRecognise(page, strokes), `drawn ${digit}`).toBe(String(digit));
      await expectFullResult(page, digit);
      expect(await page.locator("#status").textContent()).toMatch(new RegExp(`^Recognised ${digit} \\(`));
      expect(await page.locator("#source").textContent()).toBe("From your drawing");
    }
    await screenshot(page, "page-desktop-drawn-4");

    // One request per stroke, all to the same endpoint curl uses, the drawing as PNG in multipart field "img".
    expect(classifyRequests).toHaveLength(DRAWN_DIGITS.reduce((n, d) => n + d.strokes.length, 0));
    const last = classifyRequests.at(-1)!;
    expect(new URL(last.url()).search).toBe("?debug=1");
    expect(last.headers()["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const body = last.postDataBuffer()!;
    expect(body.toString("latin1")).toMatch(/Content-Disposition: form-data; name="img"; filename="drawing\.png"\r\nContent-Type: image\/png\r\n\r\n\x89PNG/);
    expect(problems).toEqual([]);
  });

  it("Clear empties the canvas and the result; an empty canvas is reported and sends no request", async () => {
    const { page, classifyRequests, problems } = await openPage();
    expect(await drawAndRecognise(page, DRAWN_DIGITS[0]!.strokes)).toBe("1");
    expect((await inkOnCanvas(page)).count).toBeGreaterThan(0);

    await page.getByRole("button", { name: "Clear" }).click();
    expect((await inkOnCanvas(page)).count).toBe(0);
    expect(await page.getByTestId("digit").textContent()).toBe("?");
    expect(await page.locator("#model-input").isVisible()).toBe(false);
    expect((await readBars(page)).map((b) => [b.value, b.best])).toEqual(Array(10).fill(["0.0%", false]));
    expect(await page.locator("#t-inference").textContent()).toBe("–");
    expect(await page.getByRole("status").textContent()).toMatch(/^Cleared/);

    const before = classifyRequests.length;
    await page.getByRole("button", { name: "Recognise" }).click();
    expect(await page.getByRole("status").textContent()).toMatch(/canvas is empty/);
    expect(await page.getByTestId("digit").textContent()).toBe("?");
    // Requests leave in order: had the empty canvas been sent, it would be counted before the next drawing's.
    expect(await drawAndRecognise(page, DRAWN_DIGITS[1]!.strokes)).toBe("7");
    expect(classifyRequests.length - before).toBe(1);
    expect(problems).toEqual([]);
  });

  it("classifies a photo chosen in the file input", async () => {
    const { page, classifyRequests, problems } = await openPage();
    expect(await drawAndRecognise(page, DRAWN_DIGITS[2]!.strokes)).toBe("0");

    const file = "7-ink-on-paper.png";
    const response = classifyResponse(page);
    await page.getByLabel(/photo or scan of one digit/i).setInputFiles(FIXTURES + file);
    expect(await answer(page, response)).toBe("7");
    await expectFullResult(page, 7);
    expect(await page.locator("#source").textContent()).toBe(`From ${file}`);
    expect((await inkOnCanvas(page)).count).toBe(0); // the drawing is gone: the result is the photo's
    expect(classifyRequests.at(-1)!.postDataBuffer()!.toString("latin1")).toContain(`name="img"; filename="${file}"`);
    // CDP leaves file contents out of the request it reports; the model's input shows the page sent the file as
    // it is: it is the very image the API makes of the same file uploaded directly.
    const direct = (await (await postFixture(file)).json()) as { debug: { input: { png: string } } };
    expect(await page.locator("#model-input").getAttribute("src")).toBe(direct.debug.input.png);
    await screenshot(page, "page-desktop-upload-7");
    expect(problems).toEqual([]);
  });

  it("shows the server's error message in the status area", async () => {
    const { page, problems } = await openPage();
    const file = "bad-blank-white.png";
    const direct = await postFixture(file);
    const { message } = (await direct.json()) as { message: string };
    expect(direct.status).toBe(422);

    const response = classifyResponse(page);
    await page.getByLabel(/photo or scan of one digit/i).setInputFiles(FIXTURES + file);
    await response;
    await page.locator('#result[data-state="error"]').waitFor();
    const status = page.getByRole("status");
    expect(await status.textContent()).toBe(message);
    expect(await status.getAttribute("aria-live")).toBe("polite");
    expect(await status.isVisible()).toBe(true);
    expect(await page.getByTestId("digit").textContent()).toBe("?");
    await screenshot(page, "page-desktop-error");
    // Chromium logs the 422 itself; nothing else may have gone wrong.
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
  });

  it("works on a 390×844 phone screen with touch, mapping touches onto the scaled canvas", async () => {
    const { page, problems } = await openPage(PHONE);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const box = await canvasBox(page);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(box.width).toBeLessThan(448); // scaled down by CSS: the canvas keeps 448×448 pixels of its own

    // A horizontal touch stroke across the middle half must land on the middle half of the canvas's pixels.
    await draw(page, [[[0.25, 0.5], [0.75, 0.5]]], "touch");
    const ink = await inkOnCanvas(page);
    const halfStroke = ink.width / 14 / 2 + 2;
    expect(Math.abs(ink.left - (0.25 * ink.width - halfStroke))).toBeLessThanOrEqual(4);
    expect(Math.abs(ink.right - (0.75 * ink.width + halfStroke))).toBeLessThanOrEqual(4);
    expect(Math.abs((ink.top + ink.bottom) / 2 - 0.5 * ink.height)).toBeLessThanOrEqual(4);

    expect(await drawAndRecognise(page, DRAWN_DIGITS[1]!.strokes, "touch")).toBe("7");
    await expectFullResult(page, 7);
    // The answer is on screen together with the drawing: no scrolling between drawing and reading.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const digit = (await page.getByTestId("digit").boundingBox())!;
    expect(digit.y + digit.height).toBeLessThanOrEqual(PHONE.viewport!.height);
    await page.screenshot({ path: `${OUTPUT}page-phone-touch-7-screen.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "page-phone-touch-7");
    expect(problems).toEqual([]);
  });

  it("is usable from the keyboard: labelled controls in order, visible focus, result announced", async () => {
    const { page, problems } = await openPage();
    const focused: string[] = [];
    for (let i = 0; i < 8 && !focused.includes("upload"); i++) {
      await page.keyboard.press("Tab");
      const current = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const style = getComputedStyle(el);
        return { id: el.id, outline: `${style.outlineStyle} ${style.outlineWidth}` };
      });
      focused.push(current.id);
      if (["classify", "clear", "upload"].includes(current.id)) expect(current.outline, current.id).toMatch(/^solid [3-9]/);
      if (current.id === "clear") await screenshot(page, "page-keyboard-focus-clear");
    }
    expect(focused.filter((id) => ["classify", "clear", "upload"].includes(id))).toEqual(["classify", "clear", "upload"]);

    // Names that assistive technology reads out.
    expect(await page.getByLabel(/photo or scan of one digit/i).getAttribute("type")).toBe("file");
    expect(await page.getByRole("img", { name: /drawing area/i }).count()).toBe(1);
    expect(await page.locator("canvas").count()).toBe(1);
    const status = page.getByRole("status");
    expect(await status.getAttribute("aria-live")).toBe("polite");

    // Buttons work with the keyboard: Enter on "Recognise" with nothing drawn says so, in the live region.
    await page.getByRole("button", { name: "Recognise" }).focus();
    await page.keyboard.press("Enter");
    expect(await status.textContent()).toMatch(/canvas is empty/);
    // The answer to a drawing is put into the live region too.
    expect(await drawAndRecognise(page, DRAWN_DIGITS[0]!.strokes)).toBe("1");
    expect(await status.textContent()).toMatch(/^Recognised 1 \(\d+\.\d% confident\)\.$/);
    expect(problems).toEqual([]);
  });
});

describe("the page on a deployment that sets CLASSIFY_TOKEN", () => {
  const TOKEN = "page-test-token-1f0c";
  let guarded: WranglerDev | undefined;

  beforeAll(async () => {
    guarded = await startWranglerDev({ args: ["--var", `CLASSIFY_TOKEN:${TOKEN}`] });
  }, 180_000);

  afterAll(async () => {
    await guarded?.stop();
  }, 60_000);

  it("asks for the token, says when it is wrong, classifies once it is right and keeps it for the tab", async () => {
    const { page, classifyRequests, problems } = await openPage(undefined, guarded!);
    const field = page.getByLabel("Token", { exact: true });
    const status = page.getByRole("status");
    expect(await field.isVisible()).toBe(false);

    // Without a token: refused, and the page asks for one instead of showing the API's curl advice.
    const refused = classifyResponse(page);
    await draw(page, DRAWN_DIGITS[0]!.strokes);
    expect((await refused).status()).toBe(401);
    await page.locator('#result[data-state="error"]').waitFor();
    expect(await status.textContent()).toMatch(/needs an access token.*enter it below/);
    expect(await field.isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
    expect(await page.getByTestId("digit").textContent()).toBe("?");

    // A wrong token: the drawing is sent again with it, and the server's verdict is shown.
    await field.fill("not-the-token");
    const wrong = classifyResponse(page);
    await page.getByRole("button", { name: "Use token" }).click();
    expect((await wrong).status()).toBe(401);
    await page.locator('#result[data-state="error"]').waitFor();
    expect(await status.textContent()).toBe("The access token is not valid.");
    expect(await field.isVisible()).toBe(true);
    await screenshot(page, "page-token-wrong");

    // The right token, entered with the keyboard: the same drawing is recognised and the field goes away.
    await field.fill(TOKEN);
    const accepted = classifyResponse(page);
    await field.press("Enter");
    expect(await answer(page, accepted)).toBe("1");
    await expectFullResult(page, 1);
    expect(await field.isVisible()).toBe(false);
    expect(classifyRequests.map((r) => r.headers()["authorization"])).toEqual([undefined, "Bearer not-the-token", `Bearer ${TOKEN}`]);

    // Kept for this tab: after a reload the next drawing carries the token without asking again.
    await page.reload();
    await page.locator('[data-testid="probabilities"] li').nth(9).waitFor();
    expect(await drawAndRecognise(page, DRAWN_DIGITS[1]!.strokes)).toBe("7");
    expect(classifyRequests.at(-1)!.headers()["authorization"]).toBe(`Bearer ${TOKEN}`);
    expect(await field.isVisible()).toBe(false);
    // Chromium logs the two refused requests itself; nothing else may have gone wrong.
    expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });
});
