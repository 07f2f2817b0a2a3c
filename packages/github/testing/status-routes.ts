// Commit statuses as GitHub answers POST /statuses/{sha}: its state list, the 140-character
// description, recorded newest last.
import { invalid, type Answer, type FakeRequest } from "./http-answers.js";
import type { FakeGitHub } from "./fake-github.js";

/** POST /statuses/{sha}. */
export function statusRoutes(fake: FakeGitHub, { method, path, body }: FakeRequest): Answer | undefined {
  const input = (body ?? {}) as Record<string, unknown>;
  const status = /^\/statuses\/([0-9a-f]{40})$/.exec(path);
  if (status && method === "POST") {
    if (!["success", "failure", "error", "pending"].includes(String(input.state)))
      return invalid("Validation Failed: state is not included in the list");
    if (typeof input.description === "string" && input.description.length > 140)
      return invalid("Validation Failed: description is too long (maximum is 140 characters)");
    const entry = {
      state: String(input.state),
      context: typeof input.context === "string" ? input.context : "default",
      description: String(input.description ?? ""),
      ...(typeof input.target_url === "string" ? { target_url: input.target_url } : {}),
    };
    fake.statuses.set(status[1]!, [...(fake.statuses.get(status[1]!) ?? []), entry]);
    return { status: 201, body: { id: 1, ...entry } };
  }
  return undefined;
}
