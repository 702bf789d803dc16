// @ts-check
// The result panel: status line, predicted digit, ten probability bars, the model's 28×28 input, timings.
import { element } from "./dom.js";

/** @typedef {import("./classify-client.js").Classification} Classification */
/** @typedef {"idle" | "busy" | "done" | "error"} State */

const percent = new Intl.NumberFormat("en", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
// workerd's clock may tick in whole milliseconds; no trailing zeros that would suggest more precision.
const millis = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });

export class ResultView {
  #root = element("result");
  #status = element("status");
  #digit = element("digit");
  #confidence = element("confidence");
  #source = element("source");
  #image = element("model-input", HTMLImageElement);
  #model = element("model");
  #timings = {
    decode: element("t-decode"),
    preprocess: element("t-preprocess"),
    inference: element("t-inference"),
    roundTrip: element("t-round-trip"),
  };
  /** @type {{ row: HTMLElement, fill: HTMLElement, value: HTMLElement }[]} */
  #bars = [];

  constructor() {
    const list = element("probabilities");
    for (let digit = 0; digit <= 9; digit++) {
      const row = document.createElement("li");
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = String(digit);
      const track = document.createElement("span");
      track.className = "bar-track";
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      track.append(fill);
      const value = document.createElement("span");
      value.className = "bar-value";
      row.append(label, track, value);
      list.append(row);
      this.#bars.push({ row, fill, value });
    }
    this.clear("Draw a digit to start.");
  }

  /** Shown while a request is under way; the previous answer stays visible, dimmed. */
  busy() {
    this.#setState("busy");
  }

  /** @param {Classification} result @param {{ source: string, roundTripMs: number }} context */
  show(result, { source, roundTripMs }) {
    const confidence = percent.format(result.confidence);
    this.#setState("done");
    this.#status.textContent = `Recognised ${result.digit} (${confidence} confident).`;
    this.#digit.textContent = String(result.digit);
    this.#confidence.textContent = `${confidence} confident`;
    this.#source.textContent = source;
    result.probabilities.forEach((p, digit) => this.#setBar(digit, p, digit === result.digit));
    if (result.debug) {
      this.#image.src = result.debug.input.png;
      this.#image.alt = `The 28 by 28 pixel image the model classified as ${result.digit}`;
      this.#image.hidden = false;
    }
    this.#timings.decode.textContent = `${millis.format(result.timings.decode)} ms`;
    this.#timings.preprocess.textContent = `${millis.format(result.timings.preprocess)} ms`;
    this.#timings.inference.textContent = `${millis.format(result.timings.inference)} ms`;
    this.#timings.roundTrip.textContent = `${Math.round(roundTripMs)} ms`;
    this.#model.textContent = `Model ${result.model.name} · ${result.model.sha}`;
  }

  /** An answer that is not a digit: the message goes to the status line, the old result is removed. */
  error(/** @type {string} */ message) {
    this.clear(message);
    this.#setState("error");
  }

  /** Removes the result and puts `message` in the status line. */
  clear(/** @type {string} */ message) {
    this.#setState("idle");
    this.#status.textContent = message;
    this.#digit.textContent = "?";
    this.#confidence.textContent = "";
    this.#source.textContent = "";
    this.#bars.forEach((_, digit) => this.#setBar(digit, 0, false));
    this.#image.hidden = true;
    this.#image.removeAttribute("src");
    this.#image.alt = "";
    for (const cell of Object.values(this.#timings)) cell.textContent = "–";
    this.#model.textContent = "";
  }

  /** @param {State} state */
  #setState(state) {
    this.#root.dataset.state = state;
    this.#root.setAttribute("aria-busy", String(state === "busy"));
  }

  /** @param {number} digit @param {number} probability @param {boolean} best */
  #setBar(digit, probability, best) {
    const bar = this.#bars[digit];
    if (!bar) return;
    // CSSOM writes, not style attributes: allowed under a CSP without 'unsafe-inline'.
    bar.fill.style.width = `${(probability * 100).toFixed(2)}%`;
    bar.value.textContent = percent.format(probability);
    bar.row.classList.toggle("best", best);
  }
}
