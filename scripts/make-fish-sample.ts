// Builds the fish sample that ships in the repository from the Fish4Knowledge reference set:
// every species, up to 10 images each from as many distinct tracks as it has, with labels.tsv,
// the dataset's notice and a MANIFEST.sha256 the trainer checks.
//   node --import tsx scripts/make-fish-sample.ts [SOURCE] [OUT]
//   (default ../shared/data/fish4knowledge -> packages/samples/fish4knowledge-sample)
import { createHash } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PER_CLASS = 10;
const MAX_BYTES = 5 * 1024 * 1024;
const TRACK = /^fish_(\d+)_/;

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Up to `n` files spread over the tracks: one per track (evenly spaced), then round robin. */
export function pickSpread(files: string[], n: number): string[] {
  const tracks = new Map<string, string[]>();
  for (const file of [...files].sort()) {
    const id = TRACK.exec(file)?.[1] ?? file;
    tracks.set(id, [...(tracks.get(id) ?? []), file]);
  }
  const ids = [...tracks.keys()].sort();
  const order =
    ids.length > n ? Array.from({ length: n }, (_, i) => ids[Math.floor((i * ids.length) / n)]!) : ids;
  const picked: string[] = [];
  for (let round = 0; picked.length < n; round++) {
    const before = picked.length;
    for (const id of order) {
      const file = tracks.get(id)![round];
      if (file !== undefined && picked.length < n) picked.push(file);
    }
    if (picked.length === before) break;
  }
  return picked.sort();
}

async function main(): Promise<void> {
  const source = process.argv[2] ?? join(ROOT, "../shared/data/fish4knowledge");
  const out = process.argv[3] ?? join(ROOT, "packages/samples/fish4knowledge-sample");
  const manifest = new Map<string, string>();
  for (const line of (await readFile(join(source, "MANIFEST.sha256"), "utf8")).split("\n")) {
    const m = /^([0-9a-f]{64})\s+\.?\/?(.+)$/.exec(line.trim());
    if (m) manifest.set(m[2]!, m[1]!);
  }
  const labels = (await readFile(join(source, "labels.tsv"), "utf8")).trim().split("\n").slice(1);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const rows = ["folder\tspecies\timages_here\ttracks_here"];
  const sums: string[] = [];
  let total = 0;
  for (const line of labels) {
    const [folder, species] = line.split("\t");
    if (!folder || !species) continue;
    const files = (await readdir(join(source, folder))).filter((f) => f.endsWith(".png"));
    const picked = pickSpread(files, PER_CLASS);
    await mkdir(join(out, folder));
    for (const file of picked) {
      const rel = `${folder}/${file}`;
      const bytes = await readFile(join(source, rel));
      if (manifest.get(rel) !== sha256(bytes)) throw new Error(`${rel} does not match the source manifest`);
      await copyFile(join(source, rel), join(out, rel));
      sums.push(`${sha256(bytes)}  ./${rel}`);
      total += bytes.length;
    }
    const tracks = new Set(picked.map((f) => TRACK.exec(f)?.[1])).size;
    rows.push(`${folder}\t${species}\t${picked.length}\t${tracks}`);
    process.stdout.write(`${folder} ${species}: ${picked.length} images from ${tracks} tracks\n`);
  }
  await writeFile(join(out, "labels.tsv"), `${rows.join("\n")}\n`);
  const notice = (await readFile(join(source, "NOTICE.md"), "utf8")).replace(
    /^# .*\n/,
    `# Fish4Knowledge sample images\n\nThis folder holds ${sums.length} of the data set's images (${PER_CLASS} per species at most, from distinct tracks where there are enough), chosen by \`scripts/make-fish-sample.ts\`.\n`,
  );
  await writeFile(join(out, "NOTICE.md"), notice);
  for (const extra of ["labels.tsv", "NOTICE.md"]) {
    sums.push(`${sha256(await readFile(join(out, extra)))}  ./${extra}`);
    total += (await stat(join(out, extra))).size;
  }
  await writeFile(
    join(out, "MANIFEST.sha256"),
    `${sums.sort((a, b) => a.slice(66).localeCompare(b.slice(66))).join("\n")}\n`,
  );
  process.stdout.write(`${sums.length} files, ${(total / 1024 / 1024).toFixed(2)} MiB in ${out}\n`);
  if (total > MAX_BYTES) throw new Error(`the sample is ${total} bytes, over the ${MAX_BYTES} budget`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
