// README.md and docs/*.md are read by people following links: every relative link must reach a
// file that exists, and an anchor must name a heading of its target. README stays short enough to
// read in one sitting; the detail lives in docs/.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const README_MAX_LINES = 350;

/** The Markdown files whose links are checked: README.md and every docs/*.md. */
const documents = [
  join(ROOT, "README.md"),
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(ROOT, "docs", f)),
];

/** The text outside fenced code blocks and inline code, where a `[x](y)` is a link. */
export const prose = (markdown: string): string =>
  markdown
    .replace(/^(```|~~~)[^\n]*\n[^]*?^\1[^\n]*$/gm, "")
    .replace(/(`+)[^`]*?\1/g, "")
    .replace(/<!--[^]*?-->/g, "");

/** Inline links' targets: `[text](target)` and `[text](target "title")`, images included. */
export const links = (markdown: string): string[] =>
  [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);

/** GitHub's anchor for a heading's text: lowercase, punctuation dropped, spaces as hyphens. */
export const slug = (heading: string): string =>
  heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

/** Every anchor a Markdown file's headings make, with GitHub's -1, -2 suffixes for repeats. */
export const anchors = (markdown: string): Set<string> => {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[^]*?^\1[^\n]*$/gm, "");
  for (const [, heading] of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

/** What is wrong with each relative link of `file` (empty when every link resolves). */
export const brokenLinks = (file: string, markdown = readFileSync(file, "utf8")): string[] => {
  const problems: string[] = [];
  for (const target of links(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: and the like
    const [path, anchor] = target.split("#", 2) as [string, string | undefined];
    const to = path === "" ? file : resolve(dirname(file), decodeURIComponent(path));
    if (path !== "" && !existsSync(to)) {
      problems.push(`${target}: ${relative(ROOT, to)} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (path !== "" && (statSync(to).isDirectory() || !to.endsWith(".md"))) continue;
    const headings = anchors(path === "" ? markdown : readFileSync(to, "utf8"));
    if (!headings.has(decodeURIComponent(anchor).toLowerCase()))
      problems.push(`${target}: ${relative(ROOT, to)} has no heading #${anchor}`);
  }
  return problems;
};

describe("links in README.md and docs/", () => {
  it.each(documents.map((d) => [relative(ROOT, d), d]))("%s: every relative link resolves", (_name, file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it("finds a broken file, a broken anchor, and skips code and absolute URLs", () => {
    const file = join(ROOT, "docs", "example.md");
    const text = [
      "# Example",
      "## The first deployment, step by step",
      "[ok](deploy.md#the-first-deployment-step-by-step) [ok](#example) [ok](../README.md)",
      "[gone](nowhere.md) [bad anchor](deploy.md#no-such-heading) [web](https://example.com/x.md)",
      "`[code](not-a-link.md)`",
      "```",
      "[fenced](also-not-a-link.md)",
      "```",
    ].join("\n");
    expect(brokenLinks(file, text)).toEqual([
      "nowhere.md: docs/nowhere.md does not exist",
      "deploy.md#no-such-heading: docs/deploy.md has no heading #no-such-heading",
    ]);
  });

  it("makes GitHub's anchors", () => {
    expect([...anchors("# `lockstep monitor`\n## lockstep.deploy.json\n## A, b: c\n## A, b: c")]).toEqual([
      "lockstep-monitor",
      "lockstepdeployjson",
      "a-b-c",
      "a-b-c-1",
    ]);
  });
});

describe("README.md", () => {
  it(`is read in one sitting: at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
