// One pinned model's folder in an environment: its pin, Services, analysis, policy, Rollout,
// autoscaler, budget, Ingress, monitoring and dashboard, and the monitor job when the environment has one.
import { modelDashboard } from "./dashboards/model-dashboard.js";
import { file, kustomization } from "./manifest-files.js";
import { prometheusRule } from "./objects/alerts.js";
import { analysisTemplate } from "./objects/analysis.js";
import { modelPath } from "./objects/argocd.js";
import { dashboardConfigMap } from "./objects/dashboard.js";
import { monitorCronJob, monitorNetworkPolicy } from "./objects/monitor-job.js";
import { podMonitor } from "./objects/monitoring.js";
import { ingress, networkPolicy, serviceAccount, services } from "./objects/network.js";
import { pinConfigMap } from "./objects/pin-config.js";
import { rollout } from "./objects/rollout.js";
import { autoscaler, disruptionBudget } from "./objects/scaling.js";
import { commonLabels, type RenderTarget } from "./target.js";

export function renderModel(files: Map<string, string>, target: RenderTarget): void {
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
