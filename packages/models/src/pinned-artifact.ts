import type { Pin } from "@lockstep/lockfile";
import { readCard, type ModelCard } from "@lockstep/onnx";
import { fetchArtifact, type OpenStoreOptions } from "@lockstep/store";

/** Which check of a pinned artifact failed: the fetch (sha256, by the store), its size or its card. */
export type PinnedArtifactStep = "artifact" | "size" | "card";

export class PinnedArtifactError extends Error {
  override readonly name = "PinnedArtifactError";
  constructor(
    readonly code: "SIZE_MISMATCH" | "CARD_MISMATCH",
    readonly step: PinnedArtifactStep,
    message: string,
  ) {
    super(message);
  }
}

/** The step an error from loadPinnedArtifact belongs to (store errors are the fetch's; ONNX errors the card's). */
export function pinnedArtifactStep(error: unknown): PinnedArtifactStep {
  if (error instanceof PinnedArtifactError) return error.step;
  return String((error as { code?: unknown }).code ?? "").startsWith("ONNX_") ? "card" : "artifact";
}

/**
 * A pin's artifact as every reader loads it (the server and `lockstep verify`): fetched with its
 * SHA-256 checked and the read bounded by the pin's size, the size equal to the pin's, and a card
 * that names the pinned model.
 */
export async function loadPinnedArtifact(
  model: string,
  pin: Pin,
  storeOptions: OpenStoreOptions = {},
): Promise<{ bytes: Buffer; card: ModelCard }> {
  const bytes = await fetchArtifact(pin.uri, pin.sha256, { ...storeOptions, maxBytes: pin.bytes });
  if (bytes.length !== pin.bytes) {
    throw new PinnedArtifactError(
      "SIZE_MISMATCH",
      "size",
      `the artifact has ${bytes.length} bytes, the pin says ${pin.bytes}`,
    );
  }
  const card = readCard(bytes);
  if (card.name !== model) {
    throw new PinnedArtifactError(
      "CARD_MISMATCH",
      "card",
      `the artifact's card names "${card.name}", not "${model}"`,
    );
  }
  return { bytes, card };
}
