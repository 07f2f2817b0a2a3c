// The hand-made part of a cluster's bootstrap, generated from lockstep.deploy.json: the Secrets no
// git file may hold, each as a numbered step with who runs it, the command and what to expect.
// docs/deploy.md embeds these steps (checked by a test), and `lockstep bootstrap` prints them.
import type { DeployConfig } from "../config.js";
import { CACHE_DEFAULTS } from "../objects/cache.js";
import { CA_BUNDLE_DEFAULTS } from "../objects/ca-bundle.js";
import { argocdNamespace, GITHUB_TOKEN_SECRET } from "../objects/argocd.js";
import { MONITOR_DEFAULTS, monitorStoreSecret } from "../objects/monitor-job.js";
import { DEFAULT_INGRESS_NAMESPACE } from "../objects/network.js";
import { ROLLOUTS_NOTIFICATION_SECRET, ROLLOUTS_NOTIFICATION_TOKEN_KEY } from "../objects/notifications.js";
import {
  PREVIEW_NAMESPACE_PATTERN,
  PREVIEW_SOURCE,
  PREVIEW_TLS_SECRET,
  previewStore,
  REPLICATE_TO,
} from "../objects/previews.js";
import type { Requirement } from "./requirements.js";

export type Provided = Omit<Requirement, "neededBy">;

export interface BootstrapStep {
  title: string;
  who: string;
  commands: string[];
  expect: string;
  creates: Provided[];
}

const OPERATOR = "an operator with cluster-admin on the cluster (kubectl), in bash";
/** Lockbox payloads are KMS-encrypted (the identity stack's key): reading one needs both roles. */
const OPERATOR_YC = `${OPERATOR}, with \`yc\` as an account that may read the Lockbox secret (lockbox.payloadViewer on it, kms.keys.decrypter on the key) and the Terraform state readable (infra.md's state key)`;
/** A Terraform output of an applied stack, read where infra/ synthesizes it. */
const output = (stack: string, name: string) =>
  `$(terraform -chdir=infra/cdktf.out/stacks/${stack} output -raw ${name})`;
/** A Lockbox secret's entries as KEY=value lines, for --from-env-file (never on a command line). */
const lockboxEnv = (secretId: string) =>
  `<(yc lockbox payload get --id "${secretId}" --format json | jq -r '.entries[] | "\\(.key)=\\(.text_value)"')`;
const STORE_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

function storeStep(namespace: string, secret: string, secretId: string, what: string): BootstrapStep {
  return {
    title: `The store key of ${what}: Secret ${secret} in ${namespace}`,
    who: OPERATOR_YC,
    commands: [
      `kubectl -n ${namespace} create secret generic ${secret} \\\n  --from-env-file=${lockboxEnv(secretId)}`,
    ],
    expect: `secret/${secret} created, with the keys ${STORE_KEYS.join(" and ")} (the key the identity stack wrote to Lockbox)`,
    creates: [{ kind: "Secret", name: secret, namespace, keys: STORE_KEYS }],
  };
}

/** Prompted, so the value is in no shell history and no process list. */
const prompted = (namespace: string, secret: string, key: string, prompt: string) =>
  `read -rsp '${prompt}: ' value && printf %s "$value" | \\\n  kubectl -n ${namespace} create secret generic ${secret} --from-file=${key}=/dev/stdin; unset value`;

function environmentSteps(config: DeployConfig, environment: string): BootstrapStep[] {
  const env = config.environments[environment]!;
  const ns = env.namespace;
  const steps: BootstrapStep[] = [];
  if (env.store.secretName)
    steps.push(storeStep(ns, env.store.secretName, output("identity", "store_key_secret_id"), environment));
  const bundle = config.cluster?.caBundle;
  if (bundle && (env.monitoring || env.cache)) {
    const key = bundle.key ?? CA_BUNDLE_DEFAULTS.key;
    const url = bundle.url ?? CA_BUNDLE_DEFAULTS.url;
    steps.push({
      title: `The CA that signs managed ClickHouse and Redis: ConfigMap ${bundle.configMap} in ${ns}`,
      who: OPERATOR,
      commands: [
        `curl -fsS ${url} | \\\n  kubectl -n ${ns} create configmap ${bundle.configMap} --from-file=${key}=/dev/stdin`,
      ],
      expect: `configmap/${bundle.configMap} created with one PEM certificate under ${key}; the pods add it to Node.js's trust (NODE_EXTRA_CA_CERTS)`,
      creates: [{ kind: "ConfigMap", name: bundle.configMap, namespace: ns, keys: [key] }],
    });
  }
  if (env.monitoring && env.store.secretName)
    steps.push(
      storeStep(
        ns,
        monitorStoreSecret(env.monitoring),
        output("identity", "report_store_key_secret_id"),
        `${environment}'s monitor Jobs (it may write reports)`,
      ),
    );
  if (env.monitoring) {
    const key = env.monitoring.clickhouseSecretKey ?? MONITOR_DEFAULTS.clickhouseSecretKey;
    steps.push({
      title: `The prediction log's ClickHouse: Secret ${env.monitoring.clickhouseSecret} in ${ns}`,
      who: OPERATOR,
      commands: [
        prompted(
          ns,
          env.monitoring.clickhouseSecret,
          key,
          "ClickHouse URL (https://user:password@host:8443/database)",
        ),
      ],
      expect: `secret/${env.monitoring.clickhouseSecret} created; the pods and the monitor CronJob read its key ${key}`,
      creates: [{ kind: "Secret", name: env.monitoring.clickhouseSecret, namespace: ns, keys: [key] }],
    });
  }
  if (env.cache) {
    const key = env.cache.redisSecretKey ?? CACHE_DEFAULTS.redisSecretKey;
    const port = env.cache.redisPort ?? CACHE_DEFAULTS.redisPort;
    const password = `$(yc lockbox payload get --id "${output("cache", "redis_password_secret_id")}" --format json | jq -r '.entries[] | select(.key == "password") | .text_value')`;
    steps.push({
      title: `The response cache's Redis: Secret ${env.cache.redisSecret} in ${ns}`,
      who: OPERATOR_YC,
      commands: [
        `printf 'rediss://:%s@c-%s.rw.mdb.yandexcloud.net:${port}' \\\n  "${password}" \\\n  "${output("cache", "redis_cluster_id")}" | \\\n  kubectl -n ${ns} create secret generic ${env.cache.redisSecret} --from-file=${key}=/dev/stdin`,
      ],
      expect: `secret/${env.cache.redisSecret} created; its ${key} names the cache's current master over TLS`,
      creates: [{ kind: "Secret", name: env.cache.redisSecret, namespace: ns, keys: [key] }],
    });
  }
  if (env.tlsSecretName)
    steps.push({
      title: `HTTPS for ${env.host}: Secret ${env.tlsSecretName} in ${ns}`,
      who: OPERATOR,
      commands: [
        `kubectl -n ${ns} create secret tls ${env.tlsSecretName} --cert=${env.host}.crt --key=${env.host}.key`,
      ],
      expect: `secret/${env.tlsSecretName} created (a certificate for ${env.host}; or let cert-manager issue it under that name)`,
      creates: [{ kind: "Secret", name: env.tlsSecretName, namespace: ns, keys: ["tls.crt", "tls.key"] }],
    });
  return steps;
}

function argocdSteps(config: DeployConfig): BootstrapStep[] {
  const ns = argocdNamespace(config);
  const steps: BootstrapStep[] = [
    {
      title: `The revert dispatch's GitHub token: Secret ${ROLLOUTS_NOTIFICATION_SECRET} in ${ns}`,
      who: `${OPERATOR}, with a fine-grained token of the repository allowed contents: write (repository_dispatch)`,
      commands: [
        prompted(
          ns,
          ROLLOUTS_NOTIFICATION_SECRET,
          ROLLOUTS_NOTIFICATION_TOKEN_KEY,
          "GitHub token (contents: write)",
        ),
      ],
      expect: `secret/${ROLLOUTS_NOTIFICATION_SECRET} created; Argo Rollouts sends the revert dispatch with it when a canary aborts`,
      creates: [
        {
          kind: "Secret",
          name: ROLLOUTS_NOTIFICATION_SECRET,
          namespace: ns,
          keys: [ROLLOUTS_NOTIFICATION_TOKEN_KEY],
        },
      ],
    },
  ];
  if (!config.previews || !config.environments[PREVIEW_SOURCE]) return steps;
  const store = previewStore(config);
  const ingress = config.cluster?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE;
  const previewKeyStep = storeStep(
    ns,
    store.secretName!,
    output("identity", "preview_store_key_secret_id"),
    "the previews",
  );
  steps.push(
    {
      title: `The previews' pull-request reader: Secret ${GITHUB_TOKEN_SECRET} in ${ns}`,
      who: `${OPERATOR}, with a fine-grained token of the repository allowed pull requests: read`,
      commands: [prompted(ns, GITHUB_TOKEN_SECRET, "token", "GitHub token (pull requests: read)")],
      expect: `secret/${GITHUB_TOKEN_SECRET} created; the previews' ApplicationSet lists open model-bump pull requests with it`,
      creates: [{ kind: "Secret", name: GITHUB_TOKEN_SECRET, namespace: ns, keys: ["token"] }],
    },
    {
      ...previewKeyStep,
      commands: [
        ...previewKeyStep.commands,
        // kubernetes-replicator copies it into each preview's namespace as it appears
        `kubectl -n ${ns} annotate secret ${store.secretName} ${REPLICATE_TO}='${PREVIEW_NAMESPACE_PATTERN}'`,
      ],
      expect: `secret/${store.secretName} created and annotated; kubernetes-replicator copies it into every ${PREVIEW_NAMESPACE_PATTERN} namespace`,
    },
    {
      title: `HTTPS for the previews (*.${config.previews.domain}): Secret ${PREVIEW_TLS_SECRET} in ${ingress}`,
      who: OPERATOR,
      commands: [
        `kubectl -n ${ingress} create secret tls ${PREVIEW_TLS_SECRET} --cert=wildcard.${config.previews.domain}.crt --key=wildcard.${config.previews.domain}.key`,
      ],
      expect: `secret/${PREVIEW_TLS_SECRET} created: ingress-nginx's default certificate, which every preview's Ingress uses`,
      creates: [
        { kind: "Secret", name: PREVIEW_TLS_SECRET, namespace: ingress, keys: ["tls.crt", "tls.key"] },
      ],
    },
  );
  return steps;
}

/** Every hand-made Secret, in order: each environment's, then Argo CD's and the previews'. */
export function bootstrapSteps(config: DeployConfig): BootstrapStep[] {
  return [
    ...Object.keys(config.environments)
      .sort()
      .flatMap((environment) => environmentSteps(config, environment)),
    ...argocdSteps(config),
  ];
}
