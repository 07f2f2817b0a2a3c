import { ConfigMap } from "kubernetes-models/v1";
import type { DeployConfig } from "../config.js";
import { MANAGED_BY, PART_OF } from "../target.js";
import { argocdNamespace, githubRepository, REVERT_EVENT } from "./argocd.js";

/** Argo Rollouts reads its notification config from these, in the controller's namespace (utils/record/record.go:50-51, v1.7.2). */
export const ROLLOUTS_NOTIFICATION_CONFIGMAP = "argo-rollouts-notification-configmap";
export const ROLLOUTS_NOTIFICATION_SECRET = "argo-rollouts-notification-secret";
/** The key of that Secret the webhook's Authorization header reads (`$github-token`). */
export const ROLLOUTS_NOTIFICATION_TOKEN_KEY = "github-token";
/**
 * The event Argo Rollouts records when it aborts a rollout (a failed or errored step analysis, or
 * `kubectl argo rollouts abort`): reason RolloutAborted → trigger on-rollout-aborted
 * (utils/conditions/conditions.go:84, utils/record/record.go:487-493). A progress-deadline timeout,
 * a crash loop or an Inconclusive analysis (a pause) never records it.
 */
export const REVERT_TRIGGER = "on-rollout-aborted";
export const DISPATCH_SERVICE = "github-dispatch";
export const REVERT_TEMPLATE = "dispatch-revert";
/** The annotation a Rollout subscribes with (notifications-engine's subscriptions). */
export const REVERT_SUBSCRIPTION = `notifications.argoproj.io/subscribe.${REVERT_TRIGGER}.${DISPATCH_SERVICE}`;

const labels = { "app.kubernetes.io/part-of": PART_OF, "app.kubernetes.io/managed-by": MANAGED_BY };
const label = (name: string) => `{{ index .rollout.metadata.labels "${name}" | toJson }}`;

/**
 * The repository_dispatch body revert.yml reads (`client_payload.*`), from the Rollout the template
 * sees as `.rollout`: its model and environment labels, its name, and the pin its template names
 * (the canary that failed). Not its status: Argo Rollouts records RolloutAborted with the Rollout as
 * it was before the abort (rollout/sync.go:612-614; phase and message are set later, :757).
 */
export const REVERT_PAYLOAD =
  `{"event_type": "${REVERT_EVENT}", "client_payload": {` +
  `"model": ${label("lockstep.dev/model")}, ` +
  `"environment": ${label("lockstep.dev/environment")}, ` +
  `"rollout": {{ .rollout.metadata.name | toJson }}, ` +
  `"namespace": {{ .rollout.metadata.namespace | toJson }}, ` +
  `"pin": {{ index .rollout.spec.template.metadata.annotations "lockstep.dev/sha256" | toJson }}}}`;

/**
 * Argo Rollouts' notifications: an aborted canary dispatches revert.yml with the model and
 * environment. Rendered here (the chart's own ConfigMap is off), so the trigger is reviewed in git.
 */
export function rolloutsNotificationsConfigMap(config: DeployConfig): ConfigMap {
  const { owner, repo } = githubRepository(config);
  return new ConfigMap({
    metadata: { name: ROLLOUTS_NOTIFICATION_CONFIGMAP, namespace: argocdNamespace(config), labels },
    data: {
      [`service.webhook.${DISPATCH_SERVICE}`]: [
        "url: https://api.github.com",
        "headers:",
        "  - name: Authorization",
        `    value: Bearer $${ROLLOUTS_NOTIFICATION_TOKEN_KEY}`,
        "  - name: Accept",
        "    value: application/vnd.github+json",
        "",
      ].join("\n"),
      [`template.${REVERT_TEMPLATE}`]: [
        "webhook:",
        `  ${DISPATCH_SERVICE}:`,
        "    method: POST",
        `    path: /repos/${owner}/${repo}/dispatches`,
        "    body: |",
        `      ${REVERT_PAYLOAD}`,
        "",
      ].join("\n"),
      // no `when`: the event alone fires it (an empty condition always sends, record.go:385-422)
      [`trigger.${REVERT_TRIGGER}`]: [
        `- description: ${JSON.stringify("Argo Rollouts aborted the model's canary (its analysis failed): the stable pods serve the previous pin")}`,
        `  send: [${REVERT_TEMPLATE}]`,
        "",
      ].join("\n"),
    },
  });
}
