// @ts-check
// Freehand drawing on a canvas with Pointer Events (mouse, pen and touch alike): thick round strokes of dark ink
// on white, one pointer at a time. The canvas may be scaled by CSS; points are mapped to its own pixels.

const INK = "#111";
const PAPER = "#fff";
/** Stroke width as a share of the canvas side: a digit drawn across most of the pad then has MNIST-like strokes. */
const STROKE_SHARE = 1 / 14;

export class DrawingPad {
  /** @type {HTMLCanvasElement} */
  #canvas;
  /** @type {CanvasRenderingContext2D} */
  #ctx;
  /** @type {() => void} */
  #onStrokeEnd;
  /** The pointer drawing the current stroke, if any. */
  #pointerId = /** @type {number | null} */ (null);
  #last = { x: 0, y: 0 };
  #empty = true;

  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ onStrokeEnd: () => void }} options `onStrokeEnd` runs each time a pen, finger or mouse button lifts.
   */
  constructor(canvas, { onStrokeEnd }) {
    const ctx = canvas.getContext("2d");
    if (!ctx) throw new Error("this browser cannot draw on a canvas");
    this.#canvas = canvas;
    this.#ctx = ctx;
    this.#onStrokeEnd = onStrokeEnd;
    this.clear();

    canvas.addEventListener("pointerdown", (e) => this.#start(e));
    canvas.addEventListener("pointermove", (e) => this.#move(e));
    canvas.addEventListener("pointerup", (e) => this.#end(e));
    canvas.addEventListener("pointercancel", (e) => this.#end(e));
    canvas.addEventListener("lostpointercapture", (e) => this.#end(e));
  }

  /** True until something is drawn, and again after clear(). */
  get isEmpty() {
    return this.#empty;
  }

  clear() {
    const { width, height } = this.#canvas;
    this.#ctx.fillStyle = PAPER;
    this.#ctx.fillRect(0, 0, width, height);
    this.#pointerId = null;
    this.#empty = true;
  }

  /** @returns {Promise<Blob>} the drawing as a PNG file */
  toPng() {
    return new Promise((resolve, reject) => {
      this.#canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("the canvas could not be saved as PNG"))), "image/png");
    });
  }

  /** @param {PointerEvent} e */
  #start(e) {
    if (this.#pointerId !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault(); // no text selection or focus change while drawing
    this.#pointerId = e.pointerId;
    this.#canvas.setPointerCapture(e.pointerId);
    this.#last = this.#toCanvasPoint(e);
    this.#dot(this.#last);
  }

  /** @param {PointerEvent} e */
  #move(e) {
    if (e.pointerId !== this.#pointerId) return;
    // Coalesced events keep fast strokes smooth when the browser delivers fewer events than the pen produced.
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const sample of events.length > 0 ? events : [e]) {
      const point = this.#toCanvasPoint(sample);
      this.#line(this.#last, point);
      this.#last = point;
    }
  }

  /** @param {PointerEvent} e */
  #end(e) {
    if (e.pointerId !== this.#pointerId) return;
    this.#pointerId = null;
    this.#onStrokeEnd();
  }

  /** @param {PointerEvent} e */
  #toCanvasPoint(e) {
    const box = this.#canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - box.left) * this.#canvas.width) / box.width,
      y: ((e.clientY - box.top) * this.#canvas.height) / box.height,
    };
  }

  /** @param {{ x: number, y: number }} at */
  #dot(at) {
    const ctx = this.#ctx;
    ctx.fillStyle = INK;
    ctx.beginPath();
    ctx.arc(at.x, at.y, this.#strokeWidth() / 2, 0, 2 * Math.PI);
    ctx.fill();
    this.#empty = false;
  }

  /** @param {{ x: number, y: number }} from @param {{ x: number, y: number }} to */
  #line(from, to) {
    const ctx = this.#ctx;
    ctx.strokeStyle = INK;
    ctx.lineWidth = this.#strokeWidth();
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  }

  #strokeWidth() {
    return this.#canvas.width * STROKE_SHARE;
  }
}
