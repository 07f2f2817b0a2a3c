/** One entry of a 422 answer's `errors` list, as GitHub sends it. */
export interface GitHubValidationError {
  resource?: string;
  field?: string;
  code?: string;
  message?: string;
}

const HINTS: Record<number, string> = {
  401: "the token is missing, expired or wrong",
  403: "the token lacks a permission: propose-model needs `contents: write` and `pull-requests: write`",
  404: "the repository or pull request does not exist, or the token cannot see it",
  422: "GitHub refused the request as invalid",
};

/** A GitHub REST call that did not succeed: status, what was called, and GitHub's own words. */
export class GitHubApiError extends Error {
  override readonly name = "GitHubApiError";
  readonly code = "GITHUB_API";
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly apiMessage: string,
    readonly errors: GitHubValidationError[] = [],
  ) {
    const details = errors.map((e) => e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(" "));
    const hint = HINTS[status];
    super(
      `GitHub API ${method} ${path} answered ${status}: ${apiMessage}` +
        (details.length > 0 ? ` (${details.join("; ")})` : "") +
        (hint ? ` — ${hint}` : ""),
    );
  }

  /** GitHub's way of saying an open pull request already exists for this head and base. */
  get pullRequestExists(): boolean {
    return (
      this.status === 422 && this.errors.some((e) => /pull request already exists/i.test(e.message ?? ""))
    );
  }
}

/** A request this package refuses before calling GitHub (a section name that is not one). */
export class LockstepGitHubError extends Error {
  override readonly name = "LockstepGitHubError";
  constructor(
    readonly code: "SECTION_NAME",
    message: string,
  ) {
    super(message);
  }
}
