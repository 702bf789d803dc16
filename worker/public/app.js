// @ts-check
// The draw-a-digit page: a drawing or an uploaded file goes to POST /classify?debug=1 and the answer is shown.
import { classify, ClassifyError } from "./classify-client.js";
import { element } from "./dom.js";
import { DrawingPad } from "./drawing-pad.js";
import { ResultView } from "./result-view.js";
import { TokenBox } from "./token-box.js";

const view = new ResultView();
const pad = new DrawingPad(element("pad", HTMLCanvasElement), { onStrokeEnd: recogniseDrawing });
const upload = element("upload", HTMLInputElement);
const tokenBox = new TokenBox({ onSubmit: () => lastImage && void recognise(...lastImage) });
/** @type {[Blob | Promise<Blob>, string, string] | undefined} the last image sent, retried once a token is entered */
let lastImage;
element("origin", HTMLElement).textContent = location.origin;

/**
 * Each drawing, upload or Clear starts a new turn; only the latest turn's answer is shown. Superseded requests are
 * left to finish rather than aborted: `wrangler dev` stops when a client drops a request mid-flight.
 */
let turn = 0;

element("classify", HTMLButtonElement).addEventListener("click", recogniseDrawing);

element("clear", HTMLButtonElement).addEventListener("click", () => {
  turn++;
  pad.clear();
  view.clear("Cleared. Draw a digit.");
});

upload.addEventListener("change", () => {
  const file = upload.files?.[0];
  upload.value = ""; // choosing the same file again is a new upload
  if (!file) return;
  pad.clear(); // the result no longer belongs to the drawing
  void recognise(file, file.name, `From ${file.name}`);
});

function recogniseDrawing() {
  if (pad.isEmpty) {
    turn++;
    view.clear("The canvas is empty: draw a digit first, or upload an image.");
    return;
  }
  void recognise(pad.toPng(), "drawing.png", "From your drawing");
}

/** @param {Blob | Promise<Blob>} image @param {string} filename @param {string} source */
async function recognise(image, filename, source) {
  const mine = ++turn;
  lastImage = [image, filename, source];
  view.busy();
  const started = performance.now();
  const token = tokenBox.token;
  try {
    const result = await classify(await image, filename, token);
    tokenBox.accepted();
    if (mine === turn) view.show(result, { source, roundTripMs: performance.now() - started });
  } catch (err) {
    if (mine !== turn) return;
    if (err instanceof ClassifyError && err.needsToken) {
      view.error(token ? err.message : "This server needs an access token for recognition: enter it below.");
      tokenBox.ask();
      return;
    }
    view.error(err instanceof ClassifyError ? err.message : `Something went wrong: ${String(err)}`);
  }
}
