// BENCHMARKS.md is shared by several benchmark scripts. Each owns one section, delimited by
// `<!-- begin:ID -->` and `<!-- end:ID -->`, and rewrites only that section.
import { randomUUID } from "node:crypto";
import { open, readFile, rename, rm, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

export const DEFAULT_BENCHMARKS_FILE = fileURLToPath(new URL("../BENCHMARKS.md", import.meta.url));

const FILE_HEADER = "# Benchmarks\n\nEach section is written by its benchmark script; edit the script, not the section.\n";
const SECTION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The text of one section, markers included. */
export function renderSection(id: string, title: string, markdown: string): string {
  return `<!-- begin:${id} -->\n## ${title}\n\n${markdown.trim()}\n<!-- end:${id} -->`;
}

/** Returns `document` with section `id` replaced in place, or appended if absent. */
export function replaceSection(document: string, id: string, title: string, markdown: string): string {
  if (!SECTION_ID.test(id)) {
    throw new Error(`Benchmark section id must be letters, digits, '.', '_' or '-', got ${JSON.stringify(id)}`);
  }
  const section = renderSection(id, title, markdown);
  const begin = `<!-- begin:${id} -->`;
  const end = `<!-- end:${id} -->`;
  const pattern = new RegExp(`${escapeRegExp(begin)}[\\s\\S]*?${escapeRegExp(end)}`);
  if (pattern.test(document)) return document.replace(pattern, () => section);
  if (document.includes(begin) || document.includes(end)) {
    throw new Error(`BENCHMARKS.md has an unmatched marker for section "${id}"; fix the file by hand`);
  }
  const base = document.trim() === "" ? FILE_HEADER : document.replace(/\s*$/, "\n");
  return `${base}\n${section}\n`;
}

const LOCK_WAIT_MS = 10_000;

// Two benchmark scripts finishing at the same time would otherwise both read the old file and the
// second rename would drop the first one's section.
async function withLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lockFile = `${file}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await open(lockFile, "wx")).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (Date.now() > deadline) {
        throw new Error(`${lockFile} has existed for ${LOCK_WAIT_MS / 1000} s; if no benchmark is running, delete it`);
      }
      await sleep(50);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/**
 * Replaces (or appends) section `id` of BENCHMARKS.md. The new file is written next to the old one
 * and renamed over it, so a reader never sees a half-written file.
 */
export async function updateBenchmarkSection(
  id: string,
  title: string,
  markdown: string,
  file: string = DEFAULT_BENCHMARKS_FILE,
): Promise<void> {
  await withLock(file, async () => {
    let current = "";
    try {
      current = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const updated = replaceSection(current, id, title, markdown);
    const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
    try {
      await writeFile(temporary, updated, "utf8");
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  });
}
