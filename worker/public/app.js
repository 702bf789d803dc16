// @ts-check
// The draw-a-digit page: a drawing or an uploaded file goes to POST /classify?debug=1 and the answer is shown.
import { classify, ClassifyError } from "./classify-client.js";
import { DrawingPad } from "./drawing-pad.js";
import { ResultView } from "./result-view.js";

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function element(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return found;
}

const view = new ResultView();
const pad = new DrawingPad(element("pad", HTMLCanvasElement), { onStrokeEnd: recogniseDrawing });
const upload = element("upload", HTMLInputElement);
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
  view.busy();
  const started = performance.now();
  try {
    const result = await classify(await image, filename);
    if (mine === turn) view.show(result, { source, roundTripMs: performance.now() - started });
  } catch (err) {
    if (mine === turn) view.error(err instanceof ClassifyError ? err.message : `Something went wrong: ${String(err)}`);
  }
}
