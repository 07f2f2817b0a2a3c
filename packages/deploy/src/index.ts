export * from "./errors.js";
export * from "./config.js";
export { readDeployConfig } from "./load.js";
export { isDnsLabel, quantityValue, branchSlug } from "./names.js";
export { resolveSettings, BASE_SETTINGS } from "./settings.js";
export { renderManifests, GENERATED_DIRS, UNRELEASED_DIGEST, type RenderResult } from "./render.js";
export {
  diffCommitted,
  diffRendered,
  writeRendered,
  isClean,
  workingTree,
  type CommittedFiles,
  type RenderedDiff,
} from "./files.js";
export { canaryQueries, ARGS, HASH_LABEL, type CanaryQuery } from "./queries.js";
export { classShareConditions, judgeChecks, valueShiftConditions, type JudgeCheck } from "./judge-checks.js";
export { deployedArtifactUri, podLock, PIN_FILE } from "./objects/pin-config.js";
export {
  githubRepository,
  modelPath,
  namespacePath,
  NAMESPACED_KINDS,
  PREVIEW_LABEL,
  REVERT_EVENT,
} from "./objects/argocd.js";
export {
  rolloutsNotificationsConfigMap,
  REVERT_PAYLOAD,
  REVERT_SUBSCRIPTION,
  REVERT_TRIGGER,
  ROLLOUTS_NOTIFICATION_CONFIGMAP,
  ROLLOUTS_NOTIFICATION_SECRET,
  ROLLOUTS_NOTIFICATION_TOKEN_KEY,
} from "./objects/notifications.js";
export { parseManifests, MODELS, type Manifest } from "./validate.js";
export {
  cascades,
  deletedWithApplication,
  rootSyncDeadlocks,
  syncStatus,
  syncWithPrune,
  type TrackedObject,
} from "./argocd-sync.js";
export {
  globMatch,
  isDestinationPermitted,
  isGroupKindPermitted,
  isNamespaced,
  syncRefusal,
  type ManagedObject,
  type ProjectSpec,
} from "./argocd-permissions.js";
export {
  PREVIEW_ENVIRONMENT,
  PREVIEW_KINDS,
  PREVIEW_SANDBOX_PROJECT,
  SANDBOX_KINDS,
  PREVIEW_PROJECT,
  PREVIEW_STORE_SECRET,
  previewPath,
  previewStore,
} from "./objects/previews.js";
export {
  promotePin,
  revertPin,
  pinAge,
  type Promotion,
  type Revert,
  type LockRevision,
} from "./promotion.js";
export { promotionViolations, type PromotionViolation } from "./promotion-policy.js";
export { formatSoak, parseSoak, SOAK_PATTERN, type PromotionRequirements } from "./soak.js";
export { clusterLayout, type ClusterLayout } from "./cluster-layout.js";
export {
  alertRules,
  alertsObject,
  prometheusRule,
  AVAILABILITY_SLO,
  DRIFT_THRESHOLD,
  type AlertRule,
} from "./objects/alerts.js";
export { judgeAlertRule, JUDGE_NAME } from "./objects/canary-judge.js";
export { modelDashboard, dashboardUid } from "./dashboards/model-dashboard.js";
export { overviewDashboard } from "./dashboards/overview-dashboard.js";
export { panelQueries } from "./dashboards/panels.js";
export { dashboardConfigMap, DASHBOARD_LABEL } from "./objects/dashboard.js";
export { monitorCronJob, monitorName, monitorLabels, MONITOR_DEFAULTS } from "./objects/monitor-job.js";
export * from "./bootstrap/index.js";
export * from "./rollouts/index.js";
