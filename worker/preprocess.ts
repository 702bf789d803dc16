/**
 * Turns an arbitrary upload (any size, either polarity, photo or canvas export) into the 28×28
 * input the MNIST model was trained on, following MNIST's own recipe: the digit's bounding box is
 * scaled (anti-aliased) to fit a 20×20 box keeping its aspect ratio, then placed in a 28×28 field so
 * that its centre of mass sits at the field's centre. Steps:
 *  1. composite alpha over a backdrop (white, or black for light ink on a transparent canvas), take
 *     luminance, and average large images down by a whole factor; a photo of a sheet lying on a darker
 *     desk is cut down to the sheet;
 *  2. decide polarity from the border, model the paper as a smooth surface, measure ink as the
 *     distance from it (uneven light and vignetting cancel out);
 *  3. Otsu's threshold + noise floor: confident ink, background, and a ramp keeping anti-aliased edges;
 *  4. connected blobs by hysteresis, specks dropped, bounding box;
 *  5. exact area (box-filter) resampling of the box into 20×20, brightest pixel → 1;
 *  6. whole-pixel shift putting the centre of mass at (14, 14).
 * Pure TypeScript, no dependencies, no per-pixel allocations; runs in Workers and in Node.
 */

/** 4 bytes per pixel (RGBA, 8 bit, not premultiplied), row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/** The image holds nothing that stands out from its background. */
export class NoDigitError extends Error {
  constructor(message = "no digit found: the image has no ink that stands out from its background") {
    super(message);
    this.name = "NoDigitError";
  }
}

export const MNIST_SIDE = 28;
/** MNIST fits every digit's bounding box into this square before centring it. */
export const DIGIT_BOX = 20;
/** MNIST's centre of mass lies at (14, 14) in pixel-index coordinates (measured on the test set). */
const MASS_CENTRE = 14;

/** Ink must stand out from the background by at least this many grey levels (of 255)… */
const MIN_CONTRAST = 24;
/** …and by this many times the background's noise (robust standard deviation after flattening). */
const MIN_CONTRAST_OVER_NOISE = 6;
/** Ink weaker than this many noise deviations, or this share of the stroke level, counts as background. */
const NOISE_FLOOR_SIGMAS = 3;
const FLOOR_SHARE = 0.1;
/** The full-stroke level is this quantile of the confident-ink levels (edges and thin strokes sit lower). */
const STROKE_LEVEL_QUANTILE = 0.5;
/** Share of pixels at each end of the histogram that decides which side of the background the ink is on. */
const POLARITY_TAIL = 0.001;
/**
 * Blob selection, measured in confident-ink pixels relative to the largest blob: blobs this big are
 * parts of the digit wherever they are; smaller ones only count near the largest blob (a pen lift, a
 * broken stroke), within this share of its longer side; anything below DUST_SHARE is a speck.
 */
const PART_SHARE = 0.25;
const NEAR_SHARE = 0.25;
const DUST_SHARE = 0.02;
/**
 * Large images are first averaged down by a whole factor so that their shorter side stays at least
 * this long: a digit filling 35% of it still spans 45 pixels (more than twice the 20-pixel box), and
 * every later step costs a fraction. The final resampling averages anyway, so little is lost.
 */
const REDUCED_SIDE = 128;
/** The background surface is fitted to at most this many samples per axis. */
const BACKGROUND_SAMPLES = 24;
/**
 * A sheet on a desk (see isolateSheet). Measured on 375 rendered photos of sheets on desks (scripts/upload-kinds.ts
 * "photo-desk", seeds 1 and 2) against the other kinds: the desk (darker than Otsu's threshold) takes more than
 * SHEET_MIN_DESK_BORDER of the image's border; the sheet covers at least SHEET_MIN_AREA of the image (measured
 * ≥ 0.116); the sheet with its ink fills at least SHEET_MIN_SOLIDITY of its convex hull (sheets ≥ 0.967 even when
 * turned, chalk digits with loops mostly far less, a thick chalk 8 0.941); the ink it encloses is between
 * SHEET_MIN_INK and SHEET_MAX_INK of its area (sheets 0.012–0.144; a chalk 0 encloses ≥ 0.2, a chalk 1 nothing);
 * its median is at least SHEET_MIN_STEP levels above the desk's (sheets ≥ 88; the two halves of one unevenly lit
 * sheet differ by 19–29), with at most SHEET_MAX_BETWEEN of the image in the middle half of that step (sheets
 * ≤ 0.06, light gradients 0.21–0.29).
 */
const SHEET_MIN_DESK_BORDER = 0.15;
const SHEET_MIN_AREA = 0.1;
const SHEET_MIN_SOLIDITY = 0.95;
const SHEET_MIN_INK = 0.005;
const SHEET_MAX_INK = 0.18;
const SHEET_MIN_STEP = 48;
const SHEET_MAX_BETWEEN = 0.12;
/** The sheet's outer rim, this share of its shorter side (at least 2 pixels), is painted over with the desk. */
const SHEET_RIM_SHARE = 0.02;

export function toMnistInput(image: RgbaImage): Float32Array {
  const { width, height } = checkImage(image);
  if (width === 0 || height === 0) throw new NoDigitError("no digit found: the image has no pixels");

  const hist = new Uint32Array(256);
  const grey = isolateSheet(toGrey(image, hist, Math.max(1, Math.floor(Math.min(width, height) / REDUCED_SIDE))), hist);
  const { ink, noise } = inkAboveBackground(grey.levels, grey.width, grey.height, hist);
  const scale = inkScale(hist, noise);
  const box = inkBox(ink, grey.width, grey.height, scale);
  if (!box) throw new NoDigitError();

  const digit = resampleIntoBox(ink, grey.width, box, scale.lut);
  return centreByMass(digit);
}

function checkImage(image: RgbaImage): { width: number; height: number } {
  const { width, height, data } = image;
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`invalid image size ${width}×${height}: width and height must be non-negative integers`);
  }
  if (!data || data.length < width * height * 4) {
    throw new RangeError(
      `image data too short: ${width}×${height} RGBA needs ${width * height * 4} bytes, got ${data ? data.length : 0}`,
    );
  }
  return { width, height };
}

interface GreyImage {
  width: number;
  height: number;
  levels: Uint8Array;
}

/**
 * Luminance (Rec. 601) of every pixel, composited over an opaque background, averaged over blocks of
 * `factor`×`factor` pixels (partial blocks at the right and bottom edges average what they have).
 * The backdrop is normally white paper; but when the background itself is transparent (a canvas
 * export, where the ink may live only in the alpha channel) it is chosen to contrast with the ink's
 * own colour, so that white ink on a transparent canvas does not vanish. Fills `hist` with the result's histogram.
 */
function toGrey(image: RgbaImage, hist: Uint32Array, factor: number): GreyImage {
  const { width, height, data } = image;
  const w = Math.ceil(width / factor);
  const h = Math.ceil(height / factor);
  const levels = new Uint8Array(w * h);
  const transparentBackground = borderMedian(data, width, height, 3) < 128;
  if (transparentBackground || !averageOpaque(image, factor, w, levels)) {
    const backdrop = transparentBackground && inkIsLight(data, width, height) ? 0 : 255;
    averageComposited(image, factor, w, backdrop, levels);
  }
  for (let i = 0; i < levels.length; i++) hist[levels[i]]++;
  return { width: w, height: h, levels };
}

/**
 * A photo of a sheet of paper on a darker desk: the desk fills much of the border, so the sheet would pass for
 * light ink on a dark board, or the desk for a huge blob of ink. When the image holds one large bright region
 * shaped like a sheet (see SHEET_*: solid, with a little dark ink enclosed, sharply brighter than what surrounds
 * it), processing goes on with that region's bounding box only, the desk left in it (and the sheet's rim)
 * painted over with the nearest sheet pixels' levels. Otherwise `grey` is returned as it is. Chalk digits on a
 * board are bright regions too, but not convex, or enclosing large loops of board, or nothing at all.
 * `hist` is the histogram of `grey` and leaves as that of the result.
 */
function isolateSheet(grey: GreyImage, hist: Uint32Array): GreyImage {
  const { width, height, levels } = grey;
  const threshold = otsuThreshold(hist);
  if (threshold >= 255) return grey;
  let borderPixels = 0;
  let darkBorder = 0;
  forEachBorderIndex(width, height, (i) => {
    borderPixels++;
    if (levels[i] <= threshold) darkBorder++;
  });
  if (darkBorder <= SHEET_MIN_DESK_BORDER * borderPixels) return grey;

  const sheet = largestBrightRegion(levels, width, height, threshold);
  const boxWidth = sheet.x1 - sheet.x0;
  const boxHeight = sheet.y1 - sheet.y0;
  if (sheet.area < SHEET_MIN_AREA * width * height) return grey;

  // Within the box (copied out as `cut`): sheet pixels, desk (not sheet, reachable from the box's edge) and ink
  // (enclosed by the sheet).
  const cut = new Uint8Array(boxWidth * boxHeight);
  const onSheet = new Uint8Array(boxWidth * boxHeight);
  const sheetHist = new Uint32Array(256);
  const deskHist = hist.slice();
  for (let y = 0; y < boxHeight; y++) {
    for (let x = 0, source = (sheet.y0 + y) * width + sheet.x0, i = y * boxWidth; x < boxWidth; x++, source++, i++) {
      const level = levels[source];
      cut[i] = level;
      deskHist[level]--; // deskHist ends as the histogram of what lies outside the box, plus the box's desk
      if (sheet.label[source] !== sheet.id) continue;
      onSheet[i] = 1;
      sheetHist[level]++;
    }
  }
  const deskInBox = floodFromEdges(onSheet, boxWidth, boxHeight);
  let inkPixels = 0;
  for (let i = 0; i < cut.length; i++) {
    if (deskInBox[i]) deskHist[cut[i]]++;
    else if (!onSheet[i]) inkPixels++;
  }
  // A sheet, ink included, is convex (a turned rectangle); chalk digits with loops are not.
  const solidity = (sheet.area + inkPixels) / hullArea(deskInBox, boxWidth, boxHeight);
  const inkShare = inkPixels / sheet.area;
  if (solidity < SHEET_MIN_SOLIDITY) return grey;
  if (inkShare < SHEET_MIN_INK || inkShare > SHEET_MAX_INK) return grey;
  const paper = quantile(sheetHist, 0.5);
  const desk = quantile(deskHist, 0.5);
  if (paper - desk < SHEET_MIN_STEP) return grey;
  // A sharp step, not a gradient of light across one sheet: few pixels lie in the middle half between the two.
  let between = 0;
  const gap = paper - desk;
  for (let i = 0; i < levels.length; i++) if (levels[i] > desk + gap / 4 && levels[i] < paper - gap / 4) between++;
  if (between > SHEET_MAX_BETWEEN * levels.length) return grey;

  // The sheet's edge (shadow, blur, JPEG ringing) is a thin darker line around it: it goes with the desk. Where
  // the sheet is straight, the box's edge runs along the sheet's edge, so the rim is measured from there too.
  const rim = Math.max(2, Math.round(SHEET_RIM_SHARE * Math.min(boxWidth, boxHeight)));
  forEachBorderIndex(boxWidth, boxHeight, (i) => (deskInBox[i] = 1));
  extendInto(cut, grow(deskInBox, boxWidth, rim - 1), boxWidth);
  hist.fill(0);
  for (const level of cut) hist[level]++;
  return { width: boxWidth, height: boxHeight, levels: cut };
}

/**
 * Fills the marked pixels with the level of the nearest unmarked one (breadth-first from the unmarked edge), so
 * that the sheet's own shading carries on into the painted desk without a step the later steps would take for ink.
 */
function extendInto(levels: Uint8Array, marked: Uint8Array, width: number): void {
  const done = new Uint8Array(levels.length);
  const queue = new Int32Array(levels.length);
  let seeds = 0;
  for (let p = 0; p < levels.length; p++) {
    if (marked[p]) continue;
    done[p] = 1;
    queue[seeds++] = p;
  }
  spread(queue, seeds, width, (q, from) => {
    if (done[q]) return false;
    done[q] = 1;
    levels[q] = levels[from];
    return true;
  });
}

/**
 * Breadth-first over 4-neighbours in a width-wide image of queue.length pixels: queue[0, seeds) holds the start
 * pixels; `enter(q, from)` is asked for each neighbour q of a queued pixel, records q when it joins and says so.
 * Returns how many pixels were queued in all (seeds included), which stay in queue[0, that).
 */
function spread(queue: Int32Array, seeds: number, width: number, enter: (q: number, from: number) => boolean): number {
  const size = queue.length;
  let tail = seeds;
  for (let head = 0; head < tail; head++) {
    const p = queue[head];
    const x = p % width;
    if (x > 0 && enter(p - 1, p)) queue[tail++] = p - 1;
    if (x + 1 < width && enter(p + 1, p)) queue[tail++] = p + 1;
    if (p >= width && enter(p - width, p)) queue[tail++] = p - width;
    if (p + width < size && enter(p + width, p)) queue[tail++] = p + width;
  }
  return tail;
}

/** The largest 4-connected region of pixels brighter than `threshold`: its label, area and bounding box. */
function largestBrightRegion(levels: Uint8Array, width: number, height: number, threshold: number) {
  const label = new Int32Array(width * height);
  const queue = new Int32Array(width * height);
  let best = { id: 0, area: 0, x0: 0, y0: 0, x1: 0, y1: 0 };
  let id = 0;
  const enter = (q: number) => {
    if (label[q] !== 0 || levels[q] <= threshold) return false;
    label[q] = id;
    return true;
  };
  for (let start = 0; start < levels.length; start++) {
    if (label[start] !== 0 || levels[start] <= threshold) continue;
    label[start] = ++id;
    queue[0] = start;
    const area = spread(queue, 1, width, enter);
    if (area <= best.area) continue;
    let [x0, y0, x1, y1] = [width, height, 0, 0];
    for (let k = 0; k < area; k++) {
      const x = queue[k] % width;
      const y = (queue[k] - x) / width;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      if (y >= y1) y1 = y + 1;
    }
    best = { id, area, x0, y0, x1, y1 };
  }
  return { ...best, label };
}

/**
 * Area of the convex hull of the unmarked pixels (each a unit square), from their leftmost and rightmost
 * extent in every row (Andrew's monotone chain over those corners).
 */
function hullArea(marked: Uint8Array, width: number, height: number): number {
  const points: [number, number][] = [];
  for (let y = 0; y < height; y++) {
    let left = -1;
    let right = -1;
    for (let x = 0; x < width; x++) {
      if (marked[y * width + x]) continue;
      if (left < 0) left = x;
      right = x;
    }
    if (left >= 0) points.push([left, y], [left, y + 1], [right + 1, y], [right + 1, y + 1]);
  }
  if (points.length < 3) return 0;
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const chain = (ordered: [number, number][]) => {
    const out: [number, number][] = [];
    for (const point of ordered) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, point) <= 0) out.pop();
      out.push(point);
    }
    return out.slice(0, -1);
  };
  const hull = [...chain(points), ...chain([...points].reverse())];
  let twice = 0;
  for (let i = 0; i < hull.length; i++) {
    const [a, b] = [hull[i]!, hull[(i + 1) % hull.length]!];
    twice += a[0] * b[1] - b[0] * a[1];
  }
  return Math.abs(twice) / 2;
}

/** Widens the marked region by `steps` pixels (4-connected steps). */
function grow(marked: Uint8Array, width: number, steps: number): Uint8Array {
  const grown = marked.slice();
  const distance = new Int32Array(marked.length);
  const queue = new Int32Array(marked.length);
  let seeds = 0;
  for (let p = 0; p < marked.length; p++) if (marked[p]) queue[seeds++] = p;
  spread(queue, seeds, width, (q, from) => {
    if (grown[q] || distance[from] >= steps) return false;
    grown[q] = 1;
    distance[q] = distance[from] + 1;
    return true;
  });
  return grown;
}

/** Marks the pixels not in `blocked` that can be reached (4-connected) from the image's edge. */
function floodFromEdges(blocked: Uint8Array, width: number, height: number): Uint8Array {
  const reached = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  const enter = (q: number) => {
    if (blocked[q] || reached[q]) return false;
    reached[q] = 1;
    return true;
  };
  let seeds = 0;
  forEachBorderIndex(width, height, (i) => {
    if (enter(i)) queue[seeds++] = i;
  });
  spread(queue, seeds, width, enter);
  return reached;
}

/**
 * Block averages of luminance, assuming every pixel is opaque (the common case, and the fast path:
 * alpha is only checked). Returns false, with `levels` unusable, if some pixel is not opaque.
 */
function averageOpaque(image: RgbaImage, factor: number, w: number, levels: Uint8Array): boolean {
  const { width, height, data } = image;
  const sums = new Uint32Array(w);
  let opaque = 255;
  for (let by = 0; by * factor < height; by++) {
    sums.fill(0);
    const y1 = Math.min(height, (by + 1) * factor);
    for (let y = by * factor; y < y1; y++) {
      for (let bx = 0, x = 0, p = y * width * 4; bx < w; bx++) {
        let sum = 0; // luminance × 256
        for (const x1 = Math.min(width, x + factor); x < x1; x++, p += 4) {
          sum += 77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2];
          opaque &= data[p + 3];
        }
        sums[bx] += sum;
      }
    }
    const rows = y1 - by * factor;
    for (let bx = 0; bx < w; bx++) {
      const count = rows * (Math.min(width, (bx + 1) * factor) - bx * factor);
      levels[by * w + bx] = Math.round(sums[bx] / (256 * count));
    }
  }
  return opaque === 255;
}

/** Block averages of luminance composited over `backdrop` (0 or 255) by each pixel's alpha. */
function averageComposited(image: RgbaImage, factor: number, w: number, backdrop: number, levels: Uint8Array): void {
  const { width, height, data } = image;
  const sums = new Uint32Array(w);
  for (let by = 0; by * factor < height; by++) {
    sums.fill(0);
    const y1 = Math.min(height, (by + 1) * factor);
    for (let y = by * factor; y < y1; y++) {
      for (let bx = 0, x = 0, p = y * width * 4; bx < w; bx++) {
        let sum = 0;
        for (const x1 = Math.min(width, x + factor); x < x1; x++, p += 4) {
          // (lum·a + backdrop·(255 − a)) / 255, rounded: (t + (t >> 8)) >> 8 with t = lum·a + backdrop·(255 − a) + 128.
          const a = data[p + 3];
          const t = ((77 * data[p] + 150 * data[p + 1] + 29 * data[p + 2] + 128) >> 8) * a + backdrop * (255 - a) + 128;
          sum += (t + (t >> 8)) >> 8;
        }
        sums[bx] += sum;
      }
    }
    const rows = y1 - by * factor;
    for (let bx = 0; bx < w; bx++) {
      const count = rows * (Math.min(width, (bx + 1) * factor) - bx * factor);
      levels[by * w + bx] = Math.round(sums[bx] / count);
    }
  }
}

/**
 * Whether the (partly) opaque pixels are light on average, weighting each by its alpha. Looks at
 * every 4th row first (cheap) and at all rows only if those hold no ink at all.
 */
function inkIsLight(data: ArrayLike<number>, width: number, height: number): boolean {
  for (const stride of [4, 1]) {
    let alphaSum = 0;
    let inkSum = 0;
    for (let y = 0; y < height; y += stride) {
      for (let p = y * width * 4, end = p + width * 4; p < end; p += 4) {
        const a = data[p + 3];
        if (a === 0) continue;
        alphaSum += a;
        inkSum += a * (0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2]);
      }
    }
    if (alphaSum > 0) return inkSum / alphaSum >= 128;
  }
  return false;
}

/** Median of one channel (offset into each 4-byte pixel) over the image's outermost pixels. */
function borderMedian(data: ArrayLike<number>, width: number, height: number, channel: number): number {
  const hist = new Uint32Array(256);
  forEachBorderIndex(width, height, (i) => hist[data[i * 4 + channel]]++);
  return quantile(hist, 0.5);
}

function forEachBorderIndex(width: number, height: number, visit: (index: number) => void): void {
  if (width <= 2 || height <= 2) {
    for (let i = 0; i < width * height; i++) visit(i);
    return;
  }
  const last = (height - 1) * width;
  for (let x = 0; x < width; x++) {
    visit(x);
    visit(last + x);
  }
  for (let y = 1; y < height - 1; y++) {
    visit(y * width);
    visit(y * width + width - 1);
  }
}

/** Smallest value v with at least `share` of the histogram's mass at or below v. */
function quantile(hist: Uint32Array, share: number): number {
  let total = 0;
  for (let v = 0; v < hist.length; v++) total += hist[v];
  const target = Math.max(1, Math.ceil(total * share));
  let seen = 0;
  for (let v = 0; v < hist.length; v++) {
    seen += hist[v];
    if (seen >= target) return v;
  }
  return hist.length - 1;
}

/**
 * How far every pixel is from the paper, towards the ink: 0 = background, 255 = maximal contrast.
 * The ink is on whichever side of the border's median the histogram's extreme tail reaches further
 * (dark ink on paper, or light ink on a dark board). The paper itself is modelled as a smooth
 * quadratic surface (uneven light and vignetting of phone photos) fitted robustly to background samples.
 * `hist` comes in as the histogram of `grey` and leaves as that of the ink. Writes the result into
 * `grey` (which is not needed afterwards) and returns it with the noise level.
 */
function inkAboveBackground(
  grey: Uint8Array,
  width: number,
  height: number,
  hist: Uint32Array,
): { ink: Uint8Array; noise: number } {
  const border = new Uint32Array(256);
  forEachBorderIndex(width, height, (i) => border[grey[i]]++);
  const borderLevel = quantile(border, 0.5);
  const deviations = new Uint32Array(256);
  for (let v = 0; v < 256; v++) deviations[Math.abs(v - borderLevel)] += border[v];
  const borderSpread = 1.4826 * quantile(deviations, 0.5);

  const darkInk = borderLevel - quantile(hist, POLARITY_TAIL) >= quantile(hist, 1 - POLARITY_TAIL) - borderLevel;
  const sign = darkInk ? -1 : 1;

  const { surface, noise } = fitBackground(grey, width, height, borderLevel, borderSpread);
  const [c0, cu, cv, cuu, cuv, cvv] = surface;
  if (Math.abs(cu) + Math.abs(cv) + Math.abs(cuu) + Math.abs(cuv) + Math.abs(cvv) < 0.5) {
    // Flat background (canvas exports, scans): one table lookup per pixel.
    const table = new Uint8Array(256);
    for (let v = 0; v < 256; v++) table[v] = clampLevel(sign * (v - c0));
    const greyHist = hist.slice();
    hist.fill(0);
    for (let v = 0; v < 256; v++) hist[table[v]] += greyHist[v];
    for (let i = 0; i < grey.length; i++) grey[i] = table[grey[i]];
    return { ink: grey, noise };
  }
  // Smooth background: per pixel, the surface (advanced along the row by forward differences,
  // rounded to a grey level) and a table from signed difference to ink level.
  hist.fill(0);
  const fromDifference = new Uint8Array(511);
  for (let k = 0; k < 511; k++) fromDifference[k] = clampLevel(sign * (k - 255));
  const du = 2 / width;
  const u0 = normalised(0, width);
  for (let y = 0; y < height; y++) {
    const v = normalised(y, height);
    const a = c0 + cv * v + cvv * v * v;
    const b = cu + cuv * v;
    let level = a + (b + cuu * u0) * u0;
    let step = b * du + cuu * (2 * u0 * du + du * du);
    const curve = 2 * cuu * du * du;
    for (let i = y * width, end = i + width; i < end; i++) {
      const paper = level <= 0 ? 0 : level >= 255 ? 255 : (level + 0.5) | 0;
      const d = fromDifference[grey[i] - paper + 255];
      grey[i] = d;
      hist[d]++;
      level += step;
      step += curve;
    }
  }
  return { ink: grey, noise };
}

function clampLevel(d: number): number {
  return d <= 0 ? 0 : d >= 255 ? 255 : Math.round(d);
}

/** Pixel index → coordinate in [-1, 1] across the image (0 for a one-pixel side). */
function normalised(i: number, length: number): number {
  return ((i + 0.5) / length) * 2 - 1;
}

/**
 * Fits background = c0 + cu·u + cv·v + cuu·u² + cuv·u·v + cvv·v² to a grid of samples by iterated
 * least squares, each round keeping only samples close to the previous fit (so the ink, and glare,
 * are left out). Starts from the border's median level. Returns the coefficients and the robust
 * standard deviation of the kept samples around the surface (sensor and JPEG noise).
 */
function fitBackground(
  grey: Uint8Array,
  width: number,
  height: number,
  borderLevel: number,
  borderSpread: number,
): { surface: Float64Array; noise: number } {
  const nx = Math.min(width, BACKGROUND_SAMPLES);
  const ny = Math.min(height, BACKGROUND_SAMPLES);
  const count = nx * ny;
  const us = new Float64Array(count);
  const vs = new Float64Array(count);
  const levels = new Float64Array(count);
  for (let j = 0, k = 0; j < ny; j++) {
    const y = Math.floor(((j + 0.5) * height) / ny);
    for (let i = 0; i < nx; i++, k++) {
      const x = Math.floor(((i + 0.5) * width) / nx);
      us[k] = normalised(x, width);
      vs[k] = normalised(y, height);
      levels[k] = grey[y * width + x];
    }
  }

  const surface = new Float64Array(6);
  surface[0] = borderLevel;
  let spread = borderSpread;
  const keep = new Uint8Array(count);
  const normal = new Float64Array(36);
  const rhs = new Float64Array(6);
  for (let round = 0; round < 3; round++) {
    const tolerance = Math.max(2.5 * spread, 2);
    // Moments of the kept samples: the normal equations of the quadratic need u^a·v^b up to degree 4.
    let n = 0, u1 = 0, v1 = 0, uu = 0, uv = 0, vv = 0, uuu = 0, uuv = 0, uvv = 0, vvv = 0;
    let uuuu = 0, uuuv = 0, uuvv = 0, uvvv = 0, vvvv = 0;
    let l = 0, lu = 0, lv = 0, luu = 0, luv = 0, lvv = 0;
    for (let k = 0; k < count; k++) {
      const u = us[k];
      const v = vs[k];
      const level = levels[k];
      const ok = Math.abs(level - evaluate(surface, u, v)) <= tolerance;
      keep[k] = ok ? 1 : 0;
      if (!ok) continue;
      const u2 = u * u;
      const v2 = v * v;
      n++; u1 += u; v1 += v; uu += u2; uv += u * v; vv += v2;
      uuu += u2 * u; uuv += u2 * v; uvv += u * v2; vvv += v2 * v;
      uuuu += u2 * u2; uuuv += u2 * u * v; uuvv += u2 * v2; uvvv += u * v2 * v; vvvv += v2 * v2;
      l += level; lu += level * u; lv += level * v; luu += level * u2; luv += level * u * v; lvv += level * v2;
    }
    if (n < 6) break;
    // A light ridge keeps the system solvable for one-pixel-wide images (where u or v is constant).
    const ridge = 1e-6 * n;
    normal.set([
      n, u1, v1, uu, uv, vv,
      u1, uu + ridge, uv, uuu, uuv, uvv,
      v1, uv, vv + ridge, uuv, uvv, vvv,
      uu, uuu, uuv, uuuu + ridge, uuuv, uuvv,
      uv, uuv, uvv, uuuv, uuvv + ridge, uvvv,
      vv, uvv, vvv, uuvv, uvvv, vvvv + ridge,
    ]);
    rhs.set([l, lu, lv, luu, luv, lvv]);
    if (!solve6(normal, rhs)) break;
    surface.set(rhs);
    spread = robustSpread(levels, us, vs, surface, keep);
  }
  return { surface, noise: robustSpread(levels, us, vs, surface, keep) };
}

function evaluate(surface: Float64Array, u: number, v: number): number {
  return surface[0] + surface[1] * u + surface[2] * v + surface[3] * u * u + surface[4] * u * v + surface[5] * v * v;
}

/** 1.4826 × median absolute residual of the kept samples (a standard deviation robust to outliers). */
function robustSpread(levels: Float64Array, us: Float64Array, vs: Float64Array, surface: Float64Array, keep: Uint8Array): number {
  const hist = new Uint32Array(256);
  for (let k = 0; k < levels.length; k++) {
    if (!keep[k]) continue;
    hist[Math.min(255, Math.round(Math.abs(levels[k] - evaluate(surface, us[k], vs[k]))))]++;
  }
  return 1.4826 * quantile(hist, 0.5);
}

/** Solves the 6×6 system in place (Gaussian elimination, partial pivoting); the answer lands in `rhs`. */
function solve6(matrix: Float64Array, rhs: Float64Array): boolean {
  for (let col = 0; col < 6; col++) {
    let pivot = col;
    for (let r = col + 1; r < 6; r++) if (Math.abs(matrix[r * 6 + col]) > Math.abs(matrix[pivot * 6 + col])) pivot = r;
    if (!(Math.abs(matrix[pivot * 6 + col]) > 1e-12)) return false;
    if (pivot !== col) {
      for (let c = 0; c < 6; c++) {
        const t = matrix[col * 6 + c];
        matrix[col * 6 + c] = matrix[pivot * 6 + c];
        matrix[pivot * 6 + c] = t;
      }
      const t = rhs[col];
      rhs[col] = rhs[pivot];
      rhs[pivot] = t;
    }
    for (let r = col + 1; r < 6; r++) {
      const f = matrix[r * 6 + col] / matrix[col * 6 + col];
      for (let c = col; c < 6; c++) matrix[r * 6 + c] -= f * matrix[col * 6 + c];
      rhs[r] -= f * rhs[col];
    }
  }
  for (let r = 5; r >= 0; r--) {
    let acc = rhs[r];
    for (let c = r + 1; c < 6; c++) acc -= matrix[r * 6 + c] * rhs[c];
    rhs[r] = acc / matrix[r * 6 + r];
  }
  return rhs.every(Number.isFinite);
}

interface InkScale {
  /** Ink intensity in [0, 1] for every ink level: 0 = background, 1 = full stroke. */
  lut: Float32Array;
  /** Ink levels at or above `floor` may belong to the digit… */
  floor: number;
  /** …and blobs of them count only if they reach above `threshold` (Otsu's split between paper and strokes). */
  threshold: number;
}

/**
 * Ink strength: levels up to the noise floor are background, the typical stroke level (median of
 * the levels above Otsu's threshold) and beyond is 1, with a linear ramp between, so faint pencil and
 * bold marker both look like MNIST's saturated strokes while their anti-aliased edges keep their gradient.
 */
function inkScale(hist: Uint32Array, noise: number): InkScale {
  const threshold = otsuThreshold(hist);
  if (threshold >= 255) throw new NoDigitError();
  const strokes = new Uint32Array(256);
  for (let d = threshold + 1; d < 256; d++) strokes[d] = hist[d];
  const full = quantile(strokes, STROKE_LEVEL_QUANTILE);
  if (full < Math.max(MIN_CONTRAST, MIN_CONTRAST_OVER_NOISE * noise)) throw new NoDigitError();

  const floor = Math.min(Math.max(NOISE_FLOOR_SIGMAS * noise, FLOOR_SHARE * full), threshold / 2);
  const lut = new Float32Array(256);
  for (let d = 0; d < 256; d++) lut[d] = Math.min(1, Math.max(0, (d - floor) / (full - floor)));
  return { lut, floor: Math.floor(floor) + 1, threshold };
}

/** Otsu's threshold: the level t that best splits the histogram into classes ≤ t and > t. */
function otsuThreshold(hist: Uint32Array): number {
  let total = 0;
  let sum = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v];
    sum += v * hist[v];
  }
  let below = 0;
  let sumBelow = 0;
  let best = 0;
  let bestScore = -1;
  for (let t = 0; t < 255; t++) {
    below += hist[t];
    sumBelow += t * hist[t];
    const above = total - below;
    if (below === 0 || above === 0) continue;
    const diff = sumBelow / below - (sum - sumBelow) / above;
    const score = below * above * diff * diff;
    if (score > bestScore) {
      bestScore = score;
      best = t;
    }
  }
  return bestScore < 0 ? 255 : best;
}

interface Box {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * Bounding box of the digit by hysteresis: connected blobs (8-neighbour, found as runs per row) of
 * ink above the noise floor that reach above the Otsu threshold somewhere, except specks (see
 * PART_SHARE). Pixels of everything dropped are erased from `ink`, so that they do not show up in the
 * resampled digit either.
 */
function inkBox(ink: Uint8Array, width: number, height: number, scale: InkScale): Box | null {
  const { floor, threshold } = scale;
  const starts: number[] = [];
  const ends: number[] = [];
  const rows: number[] = [];
  const strong: number[] = [];
  const parent: number[] = [];
  const find = (r: number): number => {
    while (parent[r] !== r) {
      parent[r] = parent[parent[r]];
      r = parent[r];
    }
    return r;
  };

  let previousRowFirst = 0;
  let previousRowEnd = 0;
  for (let y = 0; y < height; y++) {
    const rowFirst = starts.length;
    const offset = y * width;
    let previous = previousRowFirst;
    let x = 0;
    while (x < width) {
      if (ink[offset + x] < floor) {
        x++;
        continue;
      }
      const start = x;
      let confident = 0;
      while (x < width && ink[offset + x] >= floor) {
        if (ink[offset + x] > threshold) confident++;
        x++;
      }
      const run = starts.length;
      starts.push(start);
      ends.push(x);
      rows.push(y);
      strong.push(confident);
      parent.push(run);
      // Runs of a row are sorted, so runs of the previous row that end left of this one never touch later ones.
      while (previous < previousRowEnd && ends[previous] < start) previous++;
      for (let r = previous; r < previousRowEnd && starts[r] <= x; r++) {
        const a = find(r);
        const b = find(run);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
    previousRowFirst = rowFirst;
    previousRowEnd = starts.length;
  }

  // Per blob (indexed by its root run): confident pixels and bounding box.
  const runs = starts.length;
  const confident = new Float64Array(runs);
  const bx0 = new Int32Array(runs).fill(width);
  const bx1 = new Int32Array(runs);
  const by0 = new Int32Array(runs).fill(height);
  const by1 = new Int32Array(runs);
  let main = -1;
  for (let r = 0; r < runs; r++) {
    const root = find(r);
    confident[root] += strong[r];
    bx0[root] = Math.min(bx0[root], starts[r]);
    bx1[root] = Math.max(bx1[root], ends[r]);
    by0[root] = Math.min(by0[root], rows[r]);
    by1[root] = Math.max(by1[root], rows[r] + 1);
    if (main < 0 || confident[root] > confident[main]) main = root;
  }
  if (main < 0 || confident[main] === 0) return null;

  const margin = NEAR_SHARE * Math.max(bx1[main] - bx0[main], by1[main] - by0[main]);
  const isPart = (root: number): boolean => {
    if (confident[root] >= PART_SHARE * confident[main]) return true;
    if (confident[root] < DUST_SHARE * confident[main] || confident[root] === 0) return false;
    return (
      bx1[root] > bx0[main] - margin && bx0[root] < bx1[main] + margin && by1[root] > by0[main] - margin && by0[root] < by1[main] + margin
    );
  };
  let x0 = width;
  let x1 = 0;
  let y0 = height;
  let y1 = 0;
  for (let r = 0; r < runs; r++) {
    const root = find(r);
    if (!isPart(root)) {
      ink.fill(0, rows[r] * width + starts[r], rows[r] * width + ends[r]);
      continue;
    }
    if (starts[r] < x0) x0 = starts[r];
    if (ends[r] > x1) x1 = ends[r];
    if (rows[r] < y0) y0 = rows[r];
    if (rows[r] + 1 > y1) y1 = rows[r] + 1;
  }
  return { x0, y0, width: x1 - x0, height: y1 - y0 };
}

interface Digit {
  /** DIGIT_BOX × DIGIT_BOX ink values; the digit starts at (0, 0), its longer side spans the box. */
  pixels: Float32Array;
}

/**
 * Scales the box's ink (through `lut`) to fit DIGIT_BOX × DIGIT_BOX keeping the aspect ratio. Each
 * target pixel is the area-weighted average of all source pixels it covers (exact box filter, also
 * for fractional overlaps), so large photos are anti-aliased instead of sampled. Separable: rows first.
 */
function resampleIntoBox(ink: Uint8Array, width: number, box: Box, lut: Float32Array): Digit {
  const scale = DIGIT_BOX / Math.max(box.width, box.height);
  const cols = areaWeights(box.width, scale);
  const rowsW = areaWeights(box.height, scale);

  const partial = new Float32Array(box.height * DIGIT_BOX);
  for (let y = 0; y < box.height; y++) {
    const source = (box.y0 + y) * width + box.x0;
    const target = y * DIGIT_BOX;
    for (let tx = 0; tx < cols.count; tx++) {
      let acc = 0;
      for (let k = cols.first[tx], end = cols.first[tx + 1]; k < end; k++) {
        acc += cols.weight[k] * lut[ink[source + cols.index[k]]];
      }
      partial[target + tx] = acc;
    }
  }

  const pixels = new Float32Array(DIGIT_BOX * DIGIT_BOX);
  for (let ty = 0; ty < rowsW.count; ty++) {
    for (let k = rowsW.first[ty], end = rowsW.first[ty + 1]; k < end; k++) {
      const w = rowsW.weight[k];
      const from = rowsW.index[k] * DIGIT_BOX;
      for (let tx = 0; tx < cols.count; tx++) pixels[ty * DIGIT_BOX + tx] += w * partial[from + tx];
    }
  }
  return { pixels };
}

interface AreaWeights {
  /** Number of target pixels touched. */
  count: number;
  /** Weights of target pixel t are first[t]..first[t+1]-1 in index/weight. */
  first: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

/** 1-D box-filter weights mapping `length` source pixels onto length × scale target pixels. */
function areaWeights(length: number, scale: number): AreaWeights {
  const span = 1 / scale;
  const count = Math.min(DIGIT_BOX, Math.ceil(length * scale - 1e-9));
  const first = new Int32Array(count + 1);
  const index = new Int32Array(length + count);
  const weight = new Float32Array(length + count);
  let k = 0;
  for (let t = 0; t < count; t++) {
    first[t] = k;
    const a = t * span;
    const b = Math.min(length, (t + 1) * span);
    for (let i = Math.floor(a); i < b; i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap <= 0) continue;
      index[k] = i;
      weight[k] = overlap * scale;
      k++;
    }
  }
  first[count] = k;
  return { count, first, index, weight };
}

/**
 * Stretches the digit so its brightest pixel is 1 (thin strokes fade when a large image is shrunk;
 * MNIST's strokes always reach full intensity) and shifts it by whole pixels so that its centre of
 * mass lands on MNIST's centre, clipping anything that would fall outside the 28×28 field.
 */
function centreByMass(digit: Digit): Float32Array {
  const { pixels } = digit;
  let mass = 0;
  let mx = 0;
  let my = 0;
  let peak = 0;
  for (let y = 0; y < DIGIT_BOX; y++) {
    for (let x = 0; x < DIGIT_BOX; x++) {
      const v = pixels[y * DIGIT_BOX + x];
      mass += v;
      mx += v * x;
      my += v * y;
      if (v > peak) peak = v;
    }
  }
  if (!(mass > 0) || !(peak > 0)) throw new NoDigitError();
  const dx = Math.round(MASS_CENTRE - mx / mass);
  const dy = Math.round(MASS_CENTRE - my / mass);
  const gain = 1 / peak;

  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < DIGIT_BOX; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < DIGIT_BOX; x++) {
      const tx = x + dx;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.min(1, pixels[y * DIGIT_BOX + x] * gain);
    }
  }
  return out;
}
