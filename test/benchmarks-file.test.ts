import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { replaceSection, updateBenchmarkSection } from "../scripts/benchmarks-file.ts";

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "benchmarks-")), "BENCHMARKS.md");
}

describe("updateBenchmarkSection", () => {
  it("creates the file, appends new sections and replaces existing ones in place", async () => {
    const file = await tempFile();
    await updateBenchmarkSection("train", "Training", "first", file);
    await updateBenchmarkSection("serve", "Serving", "p99 5 ms", file);
    await updateBenchmarkSection("train", "Training", "second", file);
    const text = await readFile(file, "utf8");
    expect(text.match(/begin:train/g)).toHaveLength(1);
    expect(text).toContain("second");
    expect(text).not.toContain("first");
    expect(text.indexOf("begin:train")).toBeLessThan(text.indexOf("begin:serve"));
    expect(text).toContain("<!-- begin:serve -->\n## Serving\n\np99 5 ms\n<!-- end:serve -->");
  });

  it("keeps text outside the markers and leaves no temporary or lock files", async () => {
    const file = await tempFile();
    await writeFile(file, "# Benchmarks\n\nHand-written intro.\n");
    await updateBenchmarkSection("train", "Training", "numbers", file);
    await updateBenchmarkSection("train", "Training", "new numbers", file);
    const text = await readFile(file, "utf8");
    expect(text.startsWith("# Benchmarks\n\nHand-written intro.\n")).toBe(true);
    expect(await readdir(join(file, ".."))).toEqual(["BENCHMARKS.md"]);
  });

  it("does not lose a section when two updates run at once", async () => {
    const file = await tempFile();
    await Promise.all(["a", "b", "c", "d"].map((id) => updateBenchmarkSection(id, id, `section ${id}`, file)));
    const text = await readFile(file, "utf8");
    for (const id of ["a", "b", "c", "d"]) expect(text).toContain(`section ${id}`);
  });

  it("rejects a bad id and an unmatched marker with a clear error", () => {
    expect(() => replaceSection("", "has space", "t", "x")).toThrow(/section id/);
    expect(() => replaceSection("<!-- begin:train -->\nno end", "train", "t", "x")).toThrow(/unmatched marker/);
  });
});
