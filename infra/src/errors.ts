import type { SchemaIssue } from "@lockstep/lockfile";

export type InfraErrorCode = "INFRA_CONFIG_NOT_FOUND" | "INFRA_CONFIG_PARSE" | "INFRA_CONFIG_INVALID";

export class InfraError extends Error {
  override readonly name = "InfraError";
  constructor(
    readonly code: InfraErrorCode,
    message: string,
    readonly issues: readonly SchemaIssue[] = [],
  ) {
    super(message);
  }
}
