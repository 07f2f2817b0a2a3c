import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assetLink, confusionChart, lineChart, writeReport } from "../src/index.js";

describe("training report files", () => {
  it("writes charts beside the report and rewrites their links", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-report-"));
    const chart = lineChart({
      title: "t <&>",
      series: [
        {
          name: "a",
          color: "#000",
          points: [
            { x: 0, y: 1 },
            { x: 1, y: 2 },
          ],
        },
      ],
    });
    expect(chart).toContain("t &lt;&amp;&gt;");
    const written = await writeReport(join(dir, "m-abc.md"), {
      report: `# r\n![c](${assetLink("c.svg")}) ![d](${assetLink("d.svg")})\n`,
      assets: {
        "c.svg": chart,
        "d.svg": confusionChart(
          "cm",
          ["x", "y"],
          [
            [1, 2],
            [3, 4],
          ],
        ),
      },
    });
    expect(written).toHaveLength(3);
    expect((await readdir(dir)).sort()).toEqual(["m-abc-c.svg", "m-abc-d.svg", "m-abc.md"]);
    expect(await readFile(join(dir, "m-abc.md"), "utf8")).toBe("# r\n![c](m-abc-c.svg) ![d](m-abc-d.svg)\n");
  });

  it("refuses an asset name that is a path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lockstep-report-"));
    await expect(
      writeReport(join(dir, "r.md"), { report: "", assets: { "../evil.svg": "<svg/>" } }),
    ).rejects.toThrow(/not a plain file name/);
    expect(await readdir(dir)).toEqual([]);
  });
});
