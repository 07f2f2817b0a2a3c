// Workflow and repository dispatches as GitHub answers them, checked against the workflows the
// repository declares (FakeGitHubOptions.workflows) when a test gives them.
import { DOCS, invalid, type Answer, type FakeRequest } from "./http-answers.js";
import type { DeclaredWorkflow, FakeGitHub } from "./fake-github.js";

/** POST /actions/workflows/{file}/dispatches and POST /dispatches. */
export function dispatchRoutes(fake: FakeGitHub, { method, path, body }: FakeRequest): Answer | undefined {
  const input = (body ?? {}) as Record<string, unknown>;
  const dispatch = /^\/actions\/workflows\/([^/]+)\/dispatches$/.exec(path);
  if (dispatch && method === "POST") {
    if (typeof input.ref !== "string") return invalid("Invalid request: ref is missing");
    const refused = dispatchRefusal(fake.declared, decodeURIComponent(dispatch[1]!), input.inputs);
    if (refused) return refused;
    fake.dispatches.push({
      workflow: decodeURIComponent(dispatch[1]!),
      ref: input.ref,
      inputs: (input.inputs ?? {}) as Record<string, string>,
    });
    return { status: 204, body: "" };
  }
  if (path === "/dispatches" && method === "POST") {
    if (typeof input.event_type !== "string" || !input.event_type)
      return invalid("Invalid request: event_type is missing");
    const declared = Object.values(fake.declared ?? {});
    if (
      fake.declared &&
      !declared.some(
        (w) =>
          w.repositoryDispatchTypes &&
          (w.repositoryDispatchTypes.length === 0 ||
            w.repositoryDispatchTypes.includes(input.event_type as string)),
      )
    )
      // GitHub answers 204 and starts nothing; the fake refuses so a test sees the mistake
      return invalid(`No workflow listens for repository_dispatch type "${input.event_type}"`);
    fake.repositoryDispatches.push({
      event_type: input.event_type,
      client_payload: input.client_payload ?? {},
    });
    return { status: 204, body: "" };
  }
  return undefined;
}

/** GitHub's answers to a workflow_dispatch it would refuse: no such workflow, no trigger, inputs it does not declare. */
function dispatchRefusal(
  declared: Record<string, DeclaredWorkflow> | undefined,
  workflow: string,
  given: unknown,
): { status: number; body: unknown } | undefined {
  if (!declared) return undefined;
  const file = declared[workflow];
  if (!file) return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
  if (!file.dispatch) return invalid("Workflow does not have 'workflow_dispatch' trigger");
  const inputs = (given ?? {}) as Record<string, unknown>;
  const unexpected = Object.keys(inputs).filter((name) => !Object.hasOwn(file.dispatch!.inputs, name));
  if (unexpected.length > 0) return invalid(`Unexpected inputs provided: ${JSON.stringify(unexpected)}`);
  for (const [name, spec] of Object.entries(file.dispatch.inputs)) {
    const value = inputs[name];
    if (spec.required && (value === undefined || value === ""))
      return invalid(`Required input '${name}' not provided`);
    if (value !== undefined && spec.options && !spec.options.includes(String(value)))
      return invalid(
        `Provided value '${String(value)}' for input '${name}' not in the list of allowed values`,
      );
  }
  return undefined;
}
