import cliProgress from "cli-progress";
import type { EpochLog } from "./checkpoint.ts";

const fmt = (n: number | undefined) => (n === undefined ? "–" : n.toFixed(4));

export function formatEpoch(log: EpochLog): string {
  const val = log.val_loss === undefined ? "" : ` - val_loss: ${fmt(log.val_loss)} - val_acc: ${fmt(log.val_acc)}`;
  return `loss: ${fmt(log.loss)} - acc: ${fmt(log.acc)}${val} - ${log.seconds.toFixed(1)}s`;
}

/** A Keras-like bar per epoch (on a terminal), then one summary line per epoch (everywhere). */
export class EpochProgress {
  private bar?: cliProgress.SingleBar;

  constructor(
    private readonly totalEpochs: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  start(epoch: number, batches: number): void {
    this.out.write(`Epoch ${epoch}/${this.totalEpochs}\n`);
    if (!this.out.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: " {bar} {value}/{total} - ETA: {eta_formatted} - loss: {loss} - acc: {acc}",
        barCompleteChar: "=",
        barIncompleteChar: ".",
        barsize: 30,
        stream: this.out,
        clearOnComplete: true,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.legacy,
    );
    this.bar.start(batches, 0, { loss: "–", acc: "–" });
  }

  batch(done: number, loss: number, acc: number): void {
    this.bar?.update(done, { loss: fmt(loss), acc: fmt(acc) });
  }

  end(log: EpochLog): void {
    this.bar?.stop();
    this.bar = undefined;
    this.out.write(` ${formatEpoch(log)}\n`);
  }

  abort(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
