import type { LockFile } from "@lockstep/lockfile";
import { MIN_MEMORY_BUDGET, models as registry, type ModelSpec } from "@lockstep/models";
import type { DeployConfig } from "./config.js";
import { DeployError } from "./errors.js";
import { isDnsLabel, quantityValue } from "./names.js";
import { analysisTemplate } from "./objects/analysis.js";
import {
  appProject,
  environmentApplicationSet,
  modelPath,
  namespaceApplication,
  namespacePath,
} from "./objects/argocd.js";
import { rolloutsNotificationsConfigMap } from "./objects/notifications.js";
import {
  PREVIEW_ENVIRONMENT,
  PREVIEW_NAMESPACE_PLACEHOLDER,
  PREVIEW_SOURCE,
  PREVIEWS_DIR,
  previewApplicationSet,
  previewEnvironment,
  previewPath,
  previewProject,
  previewSandboxApplicationSet,
  previewSandboxPath,
  previewSandboxProject,
} from "./objects/previews.js";
import { modelDashboard } from "./dashboards/model-dashboard.js";
import { overviewDashboard } from "./dashboards/overview-dashboard.js";
import { dashboardConfigMap } from "./objects/dashboard.js";
import { podMonitor } from "./objects/monitoring.js";
import { monitorCronJob, monitorNetworkPolicy } from "./objects/monitor-job.js";
import {
  judgeDeployment,
  judgeNetworkPolicy,
  judgePrometheusRule,
  judgeService,
  rendersJudge,
} from "./objects/canary-judge.js";
import { prometheusRule } from "./objects/alerts.js";
import { defaultDeny, namespace } from "./objects/namespace.js";
import { ingress, networkPolicy, serviceAccount, services } from "./objects/network.js";
import { pinConfigMap } from "./objects/pin-config.js";
import { rollout } from "./objects/rollout.js";
import { autoscaler, disruptionBudget } from "./objects/scaling.js";
import { resolveSettings } from "./settings.js";
import { commonLabels, MAX_MODEL_NAME, type RenderTarget } from "./target.js";
import { toYaml } from "./yaml.js";

/** The folders `render` owns: every file in them is generated, and files it no longer makes are removed. */
export const GENERATED_DIRS = ["argocd/bootstrap", "argocd/envs", PREVIEWS_DIR] as const;
export const UNRELEASED_DIGEST = `sha256:${"0".repeat(64)}`;

interface Validatable {
  validate(): void;
  toJSON(): unknown;
}

export interface RenderResult {
  /** Repository-relative path → file text, sorted by path. */
  files: Map<string, string>;
  warnings: string[];
}

function file(files: Map<string, string>, path: string, object: Validatable): string {
  try {
    object.validate();
  } catch (error) {
    throw new DeployError(
      "RENDER_INVALID",
      `${path} would not be a valid object: ${(error as Error).message}`,
    );
  }
  files.set(path, toYaml(object.toJSON()));
  return path.slice(path.lastIndexOf("/") + 1);
}

function kustomization(files: Map<string, string>, dir: string, resources: string[]): void {
  files.set(
    `${dir}/kustomization.yaml`,
    toYaml({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: [...resources].sort(),
    }),
  );
}

function settingsChecks(target: RenderTarget): void {
  const { hpa, resources } = target.settings;
  const at = `/models/${target.model}/environments/${target.environment}`;
  if (hpa.maxReplicas < hpa.minReplicas)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${at}/hpa: maxReplicas ${hpa.maxReplicas} is below minReplicas ${hpa.minReplicas}`,
      [{ pointer: `${at}/hpa/maxReplicas`, message: "below minReplicas" }],
    );
  const { analysis } = target.settings.canary;
  // Argo Rollouts ends a metric Inconclusive only when its inconclusive measurements exceed the
  // limit (analysis/analysis.go): at `count` or above, an analysis that measured nothing passes
  if (analysis.inconclusiveLimit >= analysis.count)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${at}/canary/analysis: inconclusiveLimit ${analysis.inconclusiveLimit} must be below count ${analysis.count}, or a canary with no traffic would be promoted unchecked`,
      [{ pointer: `${at}/canary/analysis/inconclusiveLimit`, message: "not below count" }],
    );
  for (const resource of ["cpu", "memory"] as const) {
    const request = quantityValue(resources.requests[resource])!;
    const limit = quantityValue(resources.limits[resource])!;
    if (limit < request)
      throw new DeployError(
        "DEPLOY_CONFIG_INVALID",
        `${at}/resources: the ${resource} limit ${resources.limits[resource]} is below the request ${resources.requests[resource]}`,
        [{ pointer: `${at}/resources/limits/${resource}`, message: "below the request" }],
      );
  }
  // the server's memory budget is the pod's limit: below the least a server runs in, it would refuse to start
  if (quantityValue(resources.limits.memory)! < MIN_MEMORY_BUDGET)
    throw new DeployError(
      "DEPLOY_CONFIG_INVALID",
      `${at}/resources: the memory limit ${resources.limits.memory} is below the ${MIN_MEMORY_BUDGET / 2 ** 20}Mi an inference server needs`,
      [{ pointer: `${at}/resources/limits/memory`, message: "below the server's minimum" }],
    );
}

function renderModel(files: Map<string, string>, target: RenderTarget): void {
  const dir = modelPath(target.environment, target.model);
  const pin = pinConfigMap(target);
  const [stable, canary] = services(target);
  const written = [
    file(files, `${dir}/serviceaccount.yaml`, serviceAccount(target)),
    file(files, `${dir}/configmap-pin.yaml`, pin),
    file(files, `${dir}/service-stable.yaml`, stable!),
    file(files, `${dir}/service-canary.yaml`, canary!),
    file(files, `${dir}/analysistemplate.yaml`, analysisTemplate(target)),
    file(files, `${dir}/networkpolicy.yaml`, networkPolicy(target)),
    file(files, `${dir}/rollout.yaml`, rollout(target, pin)),
    file(files, `${dir}/hpa.yaml`, autoscaler(target)),
    file(files, `${dir}/pdb.yaml`, disruptionBudget(target)),
    file(files, `${dir}/ingress.yaml`, ingress(target)),
    file(files, `${dir}/podmonitor.yaml`, podMonitor(target)),
    file(files, `${dir}/prometheusrule.yaml`, prometheusRule(target)),
    file(
      files,
      `${dir}/configmap-dashboard.yaml`,
      dashboardConfigMap(`${target.model}-dashboard`, modelDashboard(target), commonLabels(target)),
    ),
  ];
  const monitoring = target.env.monitoring;
  if (monitoring)
    written.push(
      file(files, `${dir}/cronjob-monitor.yaml`, monitorCronJob(target, monitoring, pin)),
      file(files, `${dir}/networkpolicy-monitor.yaml`, monitorNetworkPolicy(target, monitoring)),
    );
  kustomization(files, dir, written);
}

/**
 * Previews: per model pinned in staging, the folder its pull requests' heads are synced from (the
 * staging pin under the preview's own name and store credentials: pin, service account, one pod,
 * no canary, autoscaler, alert, dashboard or monitor) and, inside it, the sandbox main syncs
 * around it (namespace, default deny, the model's policy, Service and Ingress); the projects and
 * ApplicationSets that keep a pull request inside its own namespace. Returns the bootstrap files.
 */
function renderPreviews(
  files: Map<string, string>,
  lock: LockFile,
  config: DeployConfig,
  specs: Record<string, ModelSpec>,
  held: boolean,
): string[] {
  const env = previewEnvironment(config);
  for (const model of Object.keys(lock.models).sort()) {
    const entry = lock.models[model]!;
    const pin = entry.pins[PREVIEW_SOURCE];
    const spec = specs[model];
    if (!pin || !spec) continue;
    const staging = resolveSettings(config, spec, PREVIEW_SOURCE);
    const settings = { ...staging, hpa: { ...staging.hpa, minReplicas: 1, maxReplicas: 1 } };
    const target: RenderTarget = {
      model,
      environment: PREVIEW_ENVIRONMENT,
      spec,
      pin,
      gate: entry.gate,
      settings,
      config,
      env,
    };
    const dir = previewPath(model);
    const pinMap = pinConfigMap(target);
    kustomization(files, dir, [
      file(files, `${dir}/serviceaccount.yaml`, serviceAccount(target)),
      file(files, `${dir}/configmap-pin.yaml`, pinMap),
      file(files, `${dir}/rollout.yaml`, rollout(target, pinMap, { analysed: false })),
    ]);
    const sandbox = previewSandboxPath(model);
    kustomization(files, sandbox, [
      file(files, `${sandbox}/namespace.yaml`, namespace(PREVIEW_NAMESPACE_PLACEHOLDER, PREVIEW_ENVIRONMENT)),
      file(files, `${sandbox}/networkpolicy-default-deny.yaml`, defaultDeny(PREVIEW_ENVIRONMENT)),
      file(files, `${sandbox}/networkpolicy.yaml`, networkPolicy(target)),
      file(files, `${sandbox}/service.yaml`, services(target)[0]!),
      file(files, `${sandbox}/ingress.yaml`, ingress(target)),
    ]);
  }
  const projects = [
    file(files, "argocd/bootstrap/appproject-previews.yaml", previewProject(config)),
    file(files, "argocd/bootstrap/appproject-preview-sandboxes.yaml", previewSandboxProject(config)),
  ];
  // a dry run generates no preview either: no pull request's pod pulls the placeholder image
  if (held) return projects;
  return [
    ...projects,
    file(files, "argocd/bootstrap/applicationset-previews.yaml", previewApplicationSet(config)),
    file(
      files,
      "argocd/bootstrap/applicationset-preview-sandboxes.yaml",
      previewSandboxApplicationSet(config),
    ),
  ];
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
