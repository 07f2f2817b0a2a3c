/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is read back untyped */
// The revert dispatch as Argo Rollouts sends it: the trigger, the subscription and the payload,
// rendered from an aborted Rollout and read against what revert.yml reads.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderManifests, REVERT_SUBSCRIPTION, ROLLOUTS_NOTIFICATION_CONFIGMAP } from "../src/index.js";
import { committedConfig, committedLock, ROOT } from "./fixtures.js";
import { renderGoTemplate } from "./go-template.js";

const { files } = renderManifests(committedLock(), committedConfig());
const cm = parse(files.get(`argocd/bootstrap/${ROLLOUTS_NOTIFICATION_CONFIGMAP}.yaml`)!);
const rollout = parse(files.get("argocd/envs/staging/co2-forecast/rollout.yaml")!);

/**
 * The Rollout as the RolloutAborted event carries it: recorded before the abort's status is
 * persisted (argo-rollouts v1.7.2 rollout/sync.go:612-614, status at :757), so still Progressing.
 */
const aborted = (message: string) => ({
  ...rollout,
  metadata: { ...rollout.metadata, namespace: "lockstep-staging" },
  status: { phase: "Progressing", message },
});

function payload(object: unknown): any {
  const template = parse(cm.data["template.dispatch-revert"]);
  return JSON.parse(renderGoTemplate(template.webhook["github-dispatch"].body, { rollout: object }));
}

describe("the revert dispatch (Argo Rollouts notifications)", () => {
  it("fires on an aborted rollout only: the trigger on-rollout-aborted, no condition, the dispatch template", () => {
    expect(cm.metadata).toMatchObject({ name: "argo-rollouts-notification-configmap", namespace: "argocd" });
    expect(Object.keys(cm.data).sort()).toEqual([
      "service.webhook.github-dispatch",
      "template.dispatch-revert",
      "trigger.on-rollout-aborted",
    ]);
    expect(parse(cm.data["trigger.on-rollout-aborted"])).toEqual([
      expect.objectContaining({ send: ["dispatch-revert"] }),
    ]);
    expect(parse(cm.data["trigger.on-rollout-aborted"])[0].when).toBeUndefined();
    const webhook = parse(cm.data["template.dispatch-revert"]).webhook["github-dispatch"];
    expect(webhook).toMatchObject({ method: "POST", path: "/repos/lockstep-dev/lockstep/dispatches" });
    expect(parse(cm.data["service.webhook.github-dispatch"]).headers).toContainEqual({
      name: "Authorization",
      value: "Bearer $github-token",
    });
  });

  it("every environment's Rollout subscribes; previews and Argo CD Applications do not", () => {
    const subscription = "notifications.argoproj.io/subscribe.on-rollout-aborted.github-dispatch";
    expect(REVERT_SUBSCRIPTION).toBe(subscription);
    for (const [path, text] of files) {
      if (!path.endsWith("rollout.yaml")) continue;
      const annotations = parse(text).metadata.annotations;
      if (path.startsWith("argocd/previews/")) expect(annotations[subscription], path).toBeUndefined();
      else expect(annotations[subscription], path).toBe("");
    }
    for (const path of ["applicationset-staging.yaml", "applicationset-production.yaml"]) {
      const appSet = parse(files.get(`argocd/bootstrap/${path}`)!);
      expect(JSON.stringify(appSet)).not.toContain("notifications.argoproj.io");
    }
  });

  it("the payload, rendered from the Rollout the abort event carries, holds every key revert.yml reads", () => {
    const body = payload(aborted("more replicas need to be updated"));
    expect(body).toEqual({
      event_type: "canary-failed",
      client_payload: {
        model: "co2-forecast",
        environment: "staging",
        rollout: "co2-forecast",
        namespace: "lockstep-staging",
        pin: rollout.spec.template.metadata.annotations["lockstep.dev/sha256"],
      },
    });
    const workflow = readFileSync(`${ROOT}.github/workflows/revert.yml`, "utf8");
    expect(parse(workflow).on.repository_dispatch.types).toEqual([body.event_type]);
    const read = [...workflow.matchAll(/client_payload\.(\w+)/g)].map((m) => m[1]!);
    expect(new Set(read)).toEqual(new Set(Object.keys(body.client_payload)));
  });

  it("nothing of the Rollout's status (stale at the event) reaches the payload; hostile label values stay JSON strings", () => {
    const hostile = 'x", "model": "production-db"}, "extra": {"a\n\u0000</script>';
    const body = payload({ ...aborted(hostile), metadata: { ...rollout.metadata, name: hostile } });
    expect(JSON.stringify(body)).not.toContain('production-db"');
    expect(body.client_payload.rollout).toBe(hostile);
    expect(body.client_payload.model).toBe("co2-forecast");
    expect(payload({ ...aborted("x"), status: undefined })).toEqual(payload(aborted("anything")));
  });
});
