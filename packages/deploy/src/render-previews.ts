// Previews of staging's pins for pull requests: each model's preview folder and the sandbox around
// it, the projects and ApplicationSets that keep a pull request inside its own namespace.
import type { LockFile } from "@lockstep/lockfile";
import type { ModelSpec } from "@lockstep/models";
import type { DeployConfig } from "./config.js";
import { file, kustomization } from "./manifest-files.js";
import { defaultDeny, namespace } from "./objects/namespace.js";
import { ingress, networkPolicy, serviceAccount, services } from "./objects/network.js";
import { pinConfigMap } from "./objects/pin-config.js";
import {
  PREVIEW_ENVIRONMENT,
  PREVIEW_NAMESPACE_PLACEHOLDER,
  PREVIEW_SOURCE,
  previewApplicationSet,
  previewEnvironment,
  previewPath,
  previewProject,
  previewSandboxApplicationSet,
  previewSandboxPath,
  previewSandboxProject,
} from "./objects/previews.js";
import { rollout } from "./objects/rollout.js";
import { resolveSettings } from "./settings.js";
import type { RenderTarget } from "./target.js";

/**
 * Previews: per model pinned in staging, the folder its pull requests' heads are synced from (the
 * staging pin under the preview's own name and store credentials: pin, service account, one pod,
 * no canary, autoscaler, alert, dashboard or monitor) and, inside it, the sandbox main syncs
 * around it (namespace, default deny, the model's policy, Service and Ingress); the projects and
 * ApplicationSets that keep a pull request inside its own namespace. Returns the bootstrap files.
 */
export function renderPreviews(
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
