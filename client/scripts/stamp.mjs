// Writes client_dist/build-info.json: a hash of every source the build is made from.
// tests/test_client_build.py recomputes it from the checkout and fails when they differ
// (the committed build is stale against its sources). Keep SOURCES in step with it.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL("..", import.meta.url));
export const SOURCES = [
  "index.html", "openapi.json", "package.json", "package-lock.json", "tsconfig.json",
  "vite.config.ts", "public", "src",
];

function files(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path).flatMap((name) => files(join(path, name)));
  }
  return [path];
}

export function sourcesHash() {
  const all = SOURCES.flatMap((name) => files(join(here, name)))
    .map((path) => relative(here, path).split(sep).join("/"))
    .sort();
  const total = createHash("sha256");
  for (const name of all) {
    const content = readFileSync(join(here, name));
    // Line endings as committed on any OS: a checkout with CRLF hashes the same.
    const normal = Buffer.from(content.toString("latin1").replaceAll("\r\n", "\n"), "latin1");
    total.update(`${name}\0${createHash("sha256").update(normal).digest("hex")}\n`);
  }
  return total.digest("hex");
}

const out = join(here, "../src/taskflow/adapters/web/client_dist/build-info.json");
writeFileSync(out, JSON.stringify({ sources_sha256: sourcesHash() }, null, 2) + "\n");
console.log(`stamped ${out}`);
