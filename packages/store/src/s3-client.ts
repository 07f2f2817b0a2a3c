import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { FinalizeHandler, FinalizeHandlerArguments, MetadataBearer } from "@smithy/types";

/** Object Storage's header for an IAM token, which it accepts instead of a SigV4 signature. */
export const IAM_TOKEN_HEADER = "x-yacloud-subjecttoken";

/**
 * An S3 client configured from the standard AWS variables: AWS_ENDPOINT_URL_S3 (or
 * AWS_ENDPOINT_URL), AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or any other source of the default chain,
 * AWS_MAX_ATTEMPTS. Yandex Object Storage: endpoint https://storage.yandexcloud.net, region ru-central1.
 *
 * LOCKSTEP_S3_IAM_TOKEN (a Yandex Cloud IAM token, e.g. from workload identity federation) is used
 * when no static keys are set: requests carry the token instead of a signature.
 */
export function s3ClientFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  overrides: S3ClientConfig = {},
): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region =
    env.AWS_REGION ||
    env.AWS_DEFAULT_REGION ||
    (endpoint?.includes("yandexcloud") ? "ru-central1" : "us-east-1");
  const pathStyleEnv = env.AWS_S3_FORCE_PATH_STYLE;
  const forcePathStyle = pathStyleEnv ? pathStyleEnv === "true" || pathStyleEnv === "1" : Boolean(endpoint);
  const maxAttempts = Number.parseInt(env.AWS_MAX_ATTEMPTS ?? "", 10);
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined; // undefined: the SDK's default chain (profiles, web identity, instance metadata)
  const iamToken = credentials ? undefined : env.LOCKSTEP_S3_IAM_TOKEN?.trim() || undefined;
  const client = new S3Client({
    region,
    // the SDK signs every request; with an IAM token the signature is made with placeholder keys and
    // removed below, so no credential chain is searched
    credentials: iamToken ? { accessKeyId: "iam-token", secretAccessKey: "iam-token" } : credentials,
    endpoint,
    forcePathStyle,
    // Standard retry mode: exponential backoff with jitter on throttling, 5xx and transient errors.
    retryMode: "standard",
    maxAttempts: Number.isFinite(maxAttempts) && maxAttempts > 0 ? maxAttempts : 5,
    // S3-compatible stores (Yandex, s3rver, older MinIO) mishandle the SDK's default aws-chunked
    // checksum framing; integrity is checked by our own SHA-256 on every read instead.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    ...overrides,
  });
  if (iamToken) {
    client.middlewareStack.addRelativeTo(
      (next: FinalizeHandler<object, MetadataBearer>) => async (args: FinalizeHandlerArguments<object>) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) {
          for (const name of Object.keys(request.headers))
            if (/^(authorization|x-amz-security-token)$/i.test(name)) delete request.headers[name];
          request.headers[IAM_TOKEN_HEADER] = iamToken;
        }
        return next(args);
      },
      { relation: "after", toMiddleware: "httpSigningMiddleware", name: "lockstepIamToken" },
    );
  }
  return client;
}
