import type { LockFile } from "@lockstep/lockfile";
import { models as registry, type ModelSpec } from "@lockstep/models";
import type { DeployConfig } from "./config.js";
import { DeployError } from "./errors.js";
import { file, kustomization } from "./manifest-files.js";
import { isDnsLabel } from "./names.js";
import {
  appProject,
  environmentApplicationSet,
  namespaceApplication,
  namespacePath,
} from "./objects/argocd.js";
import { rolloutsNotificationsConfigMap } from "./objects/notifications.js";
import { PREVIEW_SOURCE, PREVIEWS_DIR } from "./objects/previews.js";
import { overviewDashboard } from "./dashboards/overview-dashboard.js";
import { dashboardConfigMap } from "./objects/dashboard.js";
import {
  judgeDeployment,
  judgeNetworkPolicy,
  judgePrometheusRule,
  judgeService,
  rendersJudge,
} from "./objects/canary-judge.js";
import { defaultDeny, namespace } from "./objects/namespace.js";
import { renderModel } from "./render-model.js";
import { renderPreviews } from "./render-previews.js";
import { settingsChecks } from "./settings-checks.js";
import { resolveSettings } from "./settings.js";
import { MAX_MODEL_NAME, type RenderTarget } from "./target.js";

/** The folders `render` owns: every file in them is generated, and files it no longer makes are removed. */
export const GENERATED_DIRS = ["argocd/bootstrap", "argocd/envs", PREVIEWS_DIR] as const;
export const UNRELEASED_DIGEST = `sha256:${"0".repeat(64)}`;

export interface RenderResult {
  /** Repository-relative path → file text, sorted by path. */
  files: Map<string, string>;
  warnings: string[];
}

export interface RenderOptions {
  /** The model specs (default: every model Lockstep knows). */
  models?: Record<string, ModelSpec>;
  /**
   * Render even with the unreleased placeholder digest. Such a render reaches no cluster: its
   * ApplicationSets generate no Application and it has no previews.
   */
  dryRun?: boolean;
}

const HELD_REASON = "image.digest is the unreleased placeholder: release.yml sets the real digest";

/**
 * The lock and the deployment config as plain manifests: per environment, a namespace folder and
 * one folder per pinned model; the Argo CD objects that sync them under argocd/bootstrap.
 */
export function renderManifests(
  lock: LockFile,
  config: DeployConfig,
  options: RenderOptions = {},
): RenderResult {
  const specs = options.models ?? registry;
  const files = new Map<string, string>();
  const warnings: string[] = [];
  const held = config.image.digest === UNRELEASED_DIGEST;
  if (held && !options.dryRun)
    throw new DeployError(
      "IMAGE_UNRELEASED",
      "image.digest is the unreleased placeholder: no pod could pull it. Run the release workflow (release.yml) to build the image and set its digest, or render with --dry-run (nothing is deployed)",
    );
  if (held)
    warnings.push(
      "dry run: image.digest is the unreleased placeholder, so the ApplicationSets generate no Application and previews are off until release.yml sets the real digest",
    );
  const bootstrap: string[] = [];
  bootstrap.push(file(files, "argocd/bootstrap/appproject.yaml", appProject(config)));
  bootstrap.push(
    file(
      files,
      "argocd/bootstrap/argo-rollouts-notification-configmap.yaml",
      rolloutsNotificationsConfigMap(config),
    ),
  );

  for (const environment of Object.keys(config.environments).sort()) {
    const env = config.environments[environment]!;
    const nsDir = namespacePath(environment);
    kustomization(files, nsDir, [
      file(files, `${nsDir}/namespace.yaml`, namespace(env.namespace, environment, { keep: true })),
      file(files, `${nsDir}/networkpolicy-default-deny.yaml`, defaultDeny(environment)),
      file(
        files,
        `${nsDir}/configmap-dashboard-overview.yaml`,
        dashboardConfigMap("lockstep-overview", overviewDashboard(environment, env), {
          "lockstep.dev/environment": environment,
        }),
      ),
      // the canary judge runs the released image: a held render has no canary to judge
      ...(rendersJudge(config) && !held
        ? [
            file(files, `${nsDir}/deployment-canary-judge.yaml`, judgeDeployment(config, environment)),
            file(files, `${nsDir}/service-canary-judge.yaml`, judgeService(environment)),
            file(files, `${nsDir}/networkpolicy-canary-judge.yaml`, judgeNetworkPolicy(config, environment)),
            file(
              files,
              `${nsDir}/prometheusrule-canary-judge.yaml`,
              judgePrometheusRule(config, environment),
            ),
          ]
        : []),
    ]);
    bootstrap.push(
      file(
        files,
        `argocd/bootstrap/application-${environment}-namespace.yaml`,
        namespaceApplication(config, environment),
      ),
    );
    const pinned: string[] = [];
    for (const model of Object.keys(lock.models).sort()) {
      const entry = lock.models[model]!;
      const pin = entry.pins[environment];
      if (!pin) continue;
      const spec = Object.hasOwn(specs, model) ? specs[model] : undefined;
      if (!spec)
        throw new DeployError(
          "MODEL_UNKNOWN",
          `models.lock.json pins "${model}", which is not a known model (known: ${Object.keys(specs).join(", ")})`,
        );
      if (!isDnsLabel(model) || model.length > MAX_MODEL_NAME || model === "namespace")
        throw new DeployError(
          "RENDER_INVALID",
          `model name "${model}" must be a DNS-1123 label of at most ${MAX_MODEL_NAME} characters, not "namespace"`,
        );
      const target: RenderTarget = {
        model,
        environment,
        spec,
        pin,
        gate: entry.gate,
        settings: resolveSettings(config, spec, environment),
        config,
        env,
      };
      settingsChecks(target);
      renderModel(files, target);
      pinned.push(model);
    }
    bootstrap.push(
      file(
        files,
        `argocd/bootstrap/applicationset-${environment}.yaml`,
        environmentApplicationSet(config, environment, held ? [] : pinned, held ? HELD_REASON : undefined),
      ),
    );
  }
  if (config.previews && config.environments[PREVIEW_SOURCE])
    bootstrap.push(...renderPreviews(files, lock, config, specs, held));
  kustomization(files, "argocd/bootstrap", bootstrap);
  return { files: new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))), warnings };
}
