import seedrandom from "seedrandom";

/** A seeded generator in [0,1) so that shuffles and initial weights are reproducible from --seed. */
export function seededRandom(seed: number): () => number {
  return seedrandom.alea(String(seed));
}

/** Fisher–Yates permutation of 0..n-1. */
export function shuffledIndices(n: number, random: () => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
