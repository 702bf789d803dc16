// Versions of what the serving benchmark runs on, read from the installed packages.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../test/helpers/wrangler.ts";

function installedVersion(name: string): string {
  try {
    // Read directly: not every package exports its package.json.
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export interface ServingVersions {
  node: string;
  wrangler: string;
  workerd: string;
  onnxruntimeWeb: string;
}

export function servingVersions(): ServingVersions {
  return {
    node: process.version,
    wrangler: installedVersion("wrangler"),
    workerd: installedVersion("workerd"),
    onnxruntimeWeb: installedVersion("onnxruntime-web"),
  };
}
