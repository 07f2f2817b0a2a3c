import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendByDay, dailyFileName } from "../src/index.js";
import { linePieces, PIECE_LINES } from "../src/line-pieces.js";

const line = (day: string, i: number) => `{"time":"${day}T00:00:00.000Z","requestId":"r${i}","note":"é✓"}`;

describe("a batch written in pieces", () => {
  it("cuts lines into newline-terminated pieces of at most PIECE_LINES, losing and adding nothing", () => {
    for (const n of [0, 1, PIECE_LINES - 1, PIECE_LINES, PIECE_LINES + 1, 3 * PIECE_LINES + 5]) {
      const lines = Array.from({ length: n }, (_, i) => line("2026-12-07", i));
      const pieces = linePieces(lines);
      expect(pieces, String(n)).toHaveLength(Math.ceil(n / PIECE_LINES));
      expect(pieces.join(""), String(n)).toBe(n === 0 ? "" : `${lines.join("\n")}\n`);
      for (const piece of pieces) expect(piece.split("\n").length - 1).toBeLessThanOrEqual(PIECE_LINES);
    }
  });

  it("appends a batch of many pieces to each day's file, after what the file held, bytes intact", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-pieces-"));
    try {
      const first = join(dir, dailyFileName("2026-12-06"));
      await writeFile(first, `${line("2026-12-06", -1)}\n`);
      const lines = [
        ...Array.from({ length: 700 }, (_, i) => line("2026-12-06", i)),
        ...Array.from({ length: 300 }, (_, i) => line("2026-12-07", 700 + i)),
      ];
      await appendByDay(dir, lines, dailyFileName);
      expect(await readFile(first, "utf8")).toBe(
        `${[line("2026-12-06", -1), ...lines.slice(0, 700)].join("\n")}\n`,
      );
      expect(await readFile(join(dir, dailyFileName("2026-12-07")), "utf8")).toBe(
        `${lines.slice(700).join("\n")}\n`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
