/** A JSON object already serialised: an inference route writes its text as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * One JSON object made of several, in order: plain objects are serialised, JsonText objects are
 * spliced in as they are, so an answer serialised once (and cached that way) is never serialised
 * again. The parts are expected not to share keys; where they do, the text holds both and a JSON
 * parser keeps the later one, as an object spread would.
 */
export function joinJson(...parts: Array<Record<string, unknown> | JsonText>): JsonText {
  let text = "";
  for (const part of parts) {
    const json = part instanceof JsonText ? part.text : JSON.stringify(part);
    if (json.length <= 2) continue; // "{}"
    text += text ? `,${json.slice(1, -1)}` : json.slice(0, -1);
  }
  return new JsonText(text ? `${text}}` : "{}");
}
