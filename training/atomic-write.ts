import writeFileAtomic from "write-file-atomic";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";

/** Writes via a temporary file and a rename, so a reader (or a killed run) never sees half a file. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), { fsync: true });
}
