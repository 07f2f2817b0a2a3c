// Octokit as Lockstep drives it: its settings (a timeout per attempt, retries, GitHub's rate limits
// waited out) and one request, with a failure turned into a GitHubApiError in GitHub's own words.
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { GitHubApiError, type GitHubValidationError } from "./errors.js";
import type { GitHubClientOptions } from "./client.js";

export type Octokit = ReturnType<typeof getOctokit>;

/** Rate-limit waits a call sits out before it fails (GitHub's primary limit, then its secondary ones). */
export const RATE_LIMIT_RETRIES = 2;
export const SECONDARY_LIMIT_RETRIES = 1;

const isLoopback = (url: string) =>
  /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/.test(url);

interface RequestFailure {
  status: number;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
  message: string;
}
const isRequestFailure = (error: unknown): error is RequestFailure =>
  typeof error === "object" && error !== null && typeof (error as { status?: unknown }).status === "number";

/** An Octokit (@actions/github) with the retry and throttling plugins, set up from the client's options. */
export function createOctokit(options: GitHubClientOptions, apiUrl: string): Octokit {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? 30_000;
  const settings = {
    baseUrl: apiUrl,
    // each attempt gets its own timeout: retries and rate-limit waits start the clock again
    request: {
      fetch: (url: string, init: RequestInit = {}) =>
        fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
    },
    userAgent: options.userAgent ?? "lockstep",
    retry: {
      retries: options.retries ?? 3,
      ...(options.retryBaseMs === undefined ? {} : { retryAfterBaseValue: options.retryBaseMs }),
    },
    throttle: {
      enabled: options.throttle ?? !isLoopback(apiUrl),
      onRateLimit: (after: number, request: { method: string; url: string }, _: unknown, count: number) => {
        log(`GitHub's rate limit: ${request.method} ${request.url} waits ${after} s (attempt ${count + 1})`);
        return count < RATE_LIMIT_RETRIES;
      },
      onSecondaryRateLimit: (
        after: number,
        request: { method: string; url: string },
        _: unknown,
        count: number,
      ) => {
        log(`GitHub's secondary rate limit: ${request.method} ${request.url} waits ${after} s`);
        return count < SECONDARY_LIMIT_RETRIES;
      },
    },
  };
  return getOctokit(options.token, settings as Parameters<typeof getOctokit>[1], retry, throttling);
}

/** One REST call: its JSON answer (undefined when empty) and Link header; a failure is a GitHubApiError. */
export async function requestJson<T>(
  octokit: Octokit,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ data: T; link?: string }> {
  let response: { status: number; data: unknown; headers: Record<string, string | number | undefined> };
  try {
    response = await octokit.request({
      method,
      url: path,
      headers: { "x-github-api-version": "2022-11-28" },
      ...(body === undefined ? {} : { data: body }),
    });
  } catch (error) {
    if (!isRequestFailure(error)) throw error;
    const data = error.response?.data;
    const answer = (typeof data === "object" && data !== null ? data : {}) as {
      message?: unknown;
      errors?: unknown;
    };
    const statusText =
      typeof data === "string"
        ? (/<title>([^<]*)<\/title>|<body>([^<]*)</i.exec(data)?.slice(1).find(Boolean) ?? "")
        : "";
    throw new GitHubApiError(
      error.status,
      method,
      path,
      typeof answer.message === "string"
        ? answer.message
        : statusText.trim() || error.message || "no message",
      Array.isArray(answer.errors) ? (answer.errors as GitHubValidationError[]) : [],
    );
  }
  if (typeof response.data === "string" && response.data !== "")
    throw new GitHubApiError(response.status, method, path, "the answer is not JSON");
  const link = response.headers.link;
  return {
    data: (response.data === "" ? undefined : response.data) as T,
    ...(link ? { link: String(link) } : {}),
  };
}
