/**
 * The kinds of real uploads the service sees, and a seeded sampler that turns an MNIST test digit
 * into a random upload of a given kind (canvas size and shape, digit size and position, look, file shape).
 */
import type { FileShape } from "./upload-encode.ts";
import { type Look, type Placement, type Random, type Rgb, mnistBox, placeDigit } from "./upload-render.ts";

export const UPLOAD_KINDS = [
  "paper",
  "photo",
  "photo-desk",
  "canvas-alpha",
  "white-on-black",
  "palette",
  "grey16",
  "grey-alpha",
  "small",
] as const;
export type UploadKind = (typeof UPLOAD_KINDS)[number];

/** What each kind stands for (for reports). */
export const KIND_DESCRIPTIONS: Record<UploadKind, string> = {
  paper: "dark ink (black, blue, pencil) on white paper, clean scan, RGB or grey PNG",
  photo: "phone photo of paper: uneven light, vignette, blur, noise, dust specks, JPEG q40–95",
  "photo-desk": "phone photo of a sheet on a darker desk (the desk around it, the sheet turned up to 10°), JPEG q50–95",
  "canvas-alpha": "canvas export: transparent background, ink only in alpha (RGB black, coloured or white), RGBA PNG",
  "white-on-black": "light chalk/marker on a dark board, grey PNG or JPEG",
  palette: "indexed-colour PNG (4–64 colours)",
  grey16: "16-bit greyscale PNG",
  "grey-alpha": "grey+alpha PNG with transparent background",
  small: "tiny canvas (24–59 px), RGB or grey PNG",
};

/** Relative frequency of each kind in the upload set. */
const KIND_SHARES: Record<UploadKind, number> = {
  paper: 24,
  photo: 22,
  "photo-desk": 10,
  "canvas-alpha": 16,
  "white-on-black": 10,
  palette: 8,
  grey16: 6,
  "grey-alpha": 5,
  small: 9,
};

export interface UploadSpec {
  kind: UploadKind;
  placement: Placement;
  look: Look;
  shape: FileShape;
}

const uniform = (random: Random, lo: number, hi: number) => lo + (hi - lo) * random();
const chance = (random: Random, p: number) => random() < p;

export function pickKind(random: Random): UploadKind {
  const total = UPLOAD_KINDS.reduce((sum, kind) => sum + KIND_SHARES[kind], 0);
  let r = random() * total;
  for (const kind of UPLOAD_KINDS) {
    r -= KIND_SHARES[kind];
    if (r < 0) return kind;
  }
  return "paper";
}

/** A canvas whose longer side is in [minLong, maxLong], aspect ratio up to 1:2.2, either orientation. */
function canvasSize(random: Random, minLong: number, maxLong: number): [number, number] {
  const long = Math.round(uniform(random, minLong, maxLong));
  const short = Math.max(Math.min(long, 24), Math.round(long / Math.exp(uniform(random, 0, Math.log(2.2)))));
  return chance(random, 0.5) ? [long, short] : [short, long];
}

function place(digit: Uint8Array, random: Random, minLong: number, maxLong: number): Placement {
  const [w, h] = canvasSize(random, minLong, maxLong);
  const short = Math.min(w, h);
  const size = Math.min(short, Math.max(14, uniform(random, 0.35, 0.9) * short));
  return placeDigit(digit, w, h, size, random(), random());
}

function paperColour(random: Random, lo: number, hi: number): Rgb {
  const level = uniform(random, lo, hi);
  const warm = uniform(random, 0, 10);
  return [level, level - warm * 0.4, level - warm];
}

function penColour(random: Random): Rgb {
  const r = random();
  if (r < 0.45) {
    const k = uniform(random, 0, 45);
    return [k, k, k];
  }
  if (r < 0.75) return [uniform(random, 10, 40), uniform(random, 20, 50), uniform(random, 90, 160)]; // ballpoint blue
  const k = uniform(random, 60, 110); // pencil / faded marker
  return [k, k, k];
}

function crispness(random: Random): Look["crispness"] {
  return chance(random, 0.5) ? { from: uniform(random, 0, 0.3), to: uniform(random, 0.5, 0.8) } : undefined;
}

function inkOnPaper(random: Random): Look {
  return { ink: penColour(random), paper: paperColour(random, 235, 255), crispness: crispness(random) };
}

export function sampleUpload(digit: Uint8Array, kind: UploadKind, random: Random): UploadSpec {
  switch (kind) {
    case "paper":
      return {
        kind,
        placement: place(digit, random, 60, 800),
        look: inkOnPaper(random),
        shape: { type: chance(random, 0.5) ? "png-rgb" : chance(random, 0.8) ? "png-grey" : "png-rgba" },
      };
    case "photo": {
      const placement = place(digit, random, 60, 800);
      const strokeWidth = placement.fieldSize / 14;
      return {
        kind,
        placement,
        look: {
          ink: penColour(random),
          paper: paperColour(random, 185, 240),
          crispness: crispness(random),
          light: {
            gradientX: uniform(random, -0.12, 0.12),
            gradientY: uniform(random, -0.12, 0.12),
            vignette: uniform(random, 0, 0.15),
          },
          blur: Math.round(uniform(random, 0, 0.3) * strokeWidth),
          noise: uniform(random, 2, 8),
          specks: Math.floor(uniform(random, 0, 10)),
        },
        shape: { type: "jpeg", quality: Math.round(uniform(random, 40, 95)) },
      };
    }
    case "photo-desk": {
      const [w, h] = canvasSize(random, 200, 1000);
      const short = Math.min(w, h);
      const size = uniform(random, 0.2, 0.45) * short;
      const placement = placeDigit(digit, w, h, size, uniform(random, 0.2, 0.8), uniform(random, 0.2, 0.8));
      const box = mnistBox(digit);
      const unit = placement.fieldSize / 28;
      // The sheet: the digit's box with a margin of 0.5–1.5 digit sizes on each side, turned by up to 10°.
      const margin = () => uniform(random, 0.5, 1.5) * size;
      const [left, right, top, bottom] = [margin(), margin(), margin(), margin()];
      const x0 = placement.left + box.x0 * unit - left;
      const x1 = placement.left + box.x1 * unit + right;
      const y0 = placement.top + box.y0 * unit - top;
      const y1 = placement.top + box.y1 * unit + bottom;
      const desk = uniform(random, 25, 120);
      return {
        kind,
        placement,
        look: {
          ink: penColour(random),
          paper: paperColour(random, 190, 245),
          crispness: crispness(random),
          light: { gradientX: uniform(random, -0.1, 0.1), gradientY: uniform(random, -0.1, 0.1), vignette: uniform(random, 0, 0.15) },
          blur: Math.round(uniform(random, 0, 0.25) * (placement.fieldSize / 14)),
          noise: uniform(random, 2, 6),
          specks: Math.floor(uniform(random, 0, 6)),
          surround: {
            colour: [desk, desk * uniform(random, 0.7, 1), desk * uniform(random, 0.45, 0.9)], // wood, grey or dark laminate
            sheet: {
              cx: (x0 + x1) / 2,
              cy: (y0 + y1) / 2,
              halfWidth: (x1 - x0) / 2,
              halfHeight: (y1 - y0) / 2,
              angle: (uniform(random, -10, 10) * Math.PI) / 180,
            },
          },
        },
        shape: { type: "jpeg", quality: Math.round(uniform(random, 50, 95)) },
      };
    }
    case "canvas-alpha": {
      const r = random();
      const ink: Rgb = r < 0.7 ? [0, 0, 0] : r < 0.85 ? [uniform(random, 0, 200), uniform(random, 0, 120), 255] : [255, 255, 255];
      return {
        kind,
        placement: place(digit, random, 60, 800),
        look: { ink, paper: [0, 0, 0], alphaOnly: true, crispness: crispness(random) },
        shape: { type: "png-rgba" },
      };
    }
    case "white-on-black": {
      const board = uniform(random, 0, 45);
      const chalk = uniform(random, 190, 255);
      const asJpeg = chance(random, 0.5);
      return {
        kind,
        placement: place(digit, random, 60, 800),
        look: { ink: [chalk, chalk, chalk], paper: [board, board, board + 5], crispness: crispness(random), noise: asJpeg ? uniform(random, 0, 4) : 0 },
        shape: asJpeg ? { type: "jpeg", quality: Math.round(uniform(random, 60, 95)) } : { type: "png-grey" },
      };
    }
    case "palette": {
      const look = inkOnPaper(random);
      const colours = [4, 8, 16, 64][Math.floor(random() * 4)];
      return { kind, placement: place(digit, random, 60, 800), look, shape: { type: "png-palette", colours, paper: look.paper, ink: look.ink } };
    }
    case "grey16":
      return { kind, placement: place(digit, random, 60, 800), look: inkOnPaper(random), shape: { type: "png-grey16" } };
    case "grey-alpha":
      return {
        kind,
        placement: place(digit, random, 60, 800),
        look: { ink: [0, 0, 0], paper: [0, 0, 0], alphaOnly: true, crispness: crispness(random) },
        shape: { type: "png-grey-alpha" },
      };
    case "small":
      return {
        kind,
        placement: place(digit, random, 24, 59),
        look: inkOnPaper(random),
        shape: { type: chance(random, 0.5) ? "png-rgb" : "png-grey" },
      };
  }
}
