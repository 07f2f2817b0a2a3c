import type { ModelCard } from "@lockstep/onnx";
import { HttpError } from "../errors.js";
import { answerElements, type OutputRequest } from "./request.js";

/** The fewest characters a number takes in a JSON answer: the estimate a refusal rests on. */
const MIN_CHARS_PER_ELEMENT = 4;

/**
 * Memory one answer element takes while the answer is built and sent: its JSON text (a float32
 * prints in up to ~18 characters), the array of numbers it is made from, and the joined copy.
 * What a request reserves against the in-flight budget before the model runs.
 */
export const ANSWER_BYTES_PER_ELEMENT = 48;

/** Refuses with 413 an answer whose `elements` cannot fit the answer limit even at their shortest. */
export function refuseLargeAnswer(elements: number, maxAnswerBytes: number): void {
  const estimate = elements * MIN_CHARS_PER_ELEMENT;
  if (estimate > maxAnswerBytes) {
    throw new HttpError(
      413,
      "ANSWER_TOO_LARGE",
      `the answer would take at least ${estimate} bytes, over this server's limit of ${maxAnswerBytes}: send fewer rows per request`,
    );
  }
}

/** Answer elements for `rows` rows and the outputs asked for (all of the card's when none are named). */
export function elementsFor(rows: number, outputs: OutputRequest[] | undefined, card: ModelCard): number {
  const wanted = outputs ?? card.outputs.map((o) => ({ name: o.name }));
  return answerElements(
    { inputs: [{ spec: card.inputs[0]!, shape: [rows], data: [] }], outputs: wanted },
    card,
  );
}
