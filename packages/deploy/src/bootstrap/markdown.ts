import type { BootstrapStep } from "./steps.js";

export const STEPS_BEGIN =
  "<!-- bootstrap steps: generated from lockstep.deploy.json by `npm run lockstep -- bootstrap --docs docs/deploy.md`; edit packages/deploy/src/bootstrap, not this block -->";
export const STEPS_END = "<!-- end of generated bootstrap steps -->";

/** The steps as the numbered Markdown docs/deploy.md embeds. */
export function stepsMarkdown(steps: BootstrapStep[]): string {
  const body = steps.map((step, i) => {
    const marker = `${i + 1}. `;
    // CommonMark: a list item's content is indented by its marker's width ("10. " is four)
    const pad = " ".repeat(marker.length);
    return [
      `${marker}**${step.title}.** Who: ${step.who}.`,
      "",
      `${pad}\`\`\`bash`,
      ...step.commands.flatMap((c) => c.split("\n")).map((line) => `${pad}${line}`),
      `${pad}\`\`\``,
      "",
      `${pad}Expect: ${step.expect}.`,
    ].join("\n");
  });
  // prettier would rewrap the generated text: the block is left as generated
  return [
    STEPS_BEGIN,
    "<!-- prettier-ignore-start -->",
    "",
    ...body.flatMap((b) => [b, ""]),
    "<!-- prettier-ignore-end -->",
    STEPS_END,
  ].join("\n");
}

/** The document with its generated block replaced (it must hold exactly one). */
export function withStepsBlock(document: string, steps: BootstrapStep[]): string {
  const begin = document.indexOf(STEPS_BEGIN);
  const end = document.indexOf(STEPS_END);
  if (begin < 0 || end < begin || document.indexOf(STEPS_BEGIN, begin + 1) >= 0)
    throw new Error("the document has no single generated bootstrap-steps block (its begin and end markers)");
  return document.slice(0, begin) + stepsMarkdown(steps) + document.slice(end + STEPS_END.length);
}
