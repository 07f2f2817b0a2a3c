import { join } from "node:path";
import {
  DEPLOY_CONFIG_NAME,
  formatSoak,
  parseDeployConfig,
  parseSoak,
  type DeployConfig,
  type PromotionRequirements,
} from "@lockstep/deploy";
import { models } from "@lockstep/models";
import {
  monitorReportPrefix,
  readLatestReport,
  servedTraffic,
  type PublishedReport,
} from "@lockstep/monitor";
import {
  evidenceSection,
  pinSoak,
  type PinSoak,
  type PromotionContext,
  type PromotionEvidence,
  type ServedTraffic,
} from "@lockstep/proposal";
import { replaySection } from "@lockstep/replay";
import { openStore } from "@lockstep/store";
import { storeEnvironment } from "./deployed-location.js";

/*
 * The promotion pull request's evidence from the source environment, and the checks verify makes of
 * it under promotionRequires. Both read the same things the same way: the base's history of the lock
 * (soak), the source environment's latest published monitor report (health), Prometheus (traffic).
 */

export interface EvidenceOptions {
  model: string;
  from: string;
  to: string;
  /** The repository's folder (file:// store URIs are relative to it). */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Where monitor reports are read (default: the source environment's store in the base's lockstep.deploy.json). */
  reportStore?: string;
  /** Without reportStore: false reads no report (a job that holds no store credentials), true the config's store (default). */
  configStore?: boolean;
  /** A Prometheus this process can reach: requests and 5xx since the pin was merged. */
  prometheus?: string;
  /** A replay sample of the target environment's pin: the shadow replay against it. */
  replaySample?: string;
  /** The store a replayed pin is fetched from (default: the report store). */
  storeUri?: string;
  now?: Date;
  progress?: (line: string) => void;
}

/** A report read, or why there is none to show. */
export type ReportRead = { report: PublishedReport } | { note: string };

/** An ISO time to the minute, for people: 2026-12-07 02:39 UTC. */
const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;
const message = (error: unknown) => (error as Error).message.replace(/\s+/g, " ").slice(0, 400);

/**
 * The latest monitor report of `sha256` in `environment`, read from `storeUri` (or the environment's
 * store in `config`): a missing, malformed or other artifact's report is a note, never a throw.
 */
export async function latestReportOf(
  model: string,
  environment: string,
  sha256: string,
  where: { config?: DeployConfig; storeUri?: string; dir: string; env: NodeJS.ProcessEnv },
): Promise<ReportRead> {
  const store = where.config?.environments[environment]?.store;
  const uri = where.storeUri ?? store?.uri;
  if (!uri)
    return {
      note: where.config
        ? `no store to read ${environment}'s monitor reports from (${DEPLOY_CONFIG_NAME} names none)`
        : `no report store configured to read ${environment}'s monitor reports from (--report-store, LOCKSTEP_REPORT_STORE)`,
    };
  try {
    const env = !where.storeUri && store ? storeEnvironment(store, where.env) : where.env;
    const report = await readLatestReport(
      openStore(uri, { baseDir: where.dir, env }),
      model,
      environment,
      sha256,
    );
    return report
      ? { report }
      : { note: `no monitor report in ${uri.replace(/\/+$/, "")}/${monitorReportPrefix(model, environment)}/latest/ (the monitor publishes one with --store)` }; // prettier-ignore
  } catch (error) {
    return { note: message(error) };
  }
}

/** A requirement of promotionRequires, met or not: a verify check's name, verdict and detail. */
export interface RequirementCheck {
  name: "soak" | "health";
  ok: boolean;
  detail: string;
}

/** What promotionRequires asks of the source's evidence, each as a check (none when it asks nothing). */
export function requirementChecks(
  requires: PromotionRequirements | undefined,
  from: string,
  soak: PinSoak | undefined,
  read: ReportRead | undefined,
): RequirementCheck[] {
  const checks: RequirementCheck[] = [];
  if (requires?.minSoak !== undefined) {
    const need = parseSoak(requires.minSoak, "promotionRequires.minSoak");
    checks.push(
      !soak
        ? {
            name: "soak",
            ok: false,
            detail: `${from} never pinned this artifact on the base branch: it has not soaked`,
          }
        : soak.ms >= need
          ? {
              name: "soak",
              ok: true,
              detail: `${from} has served it ${formatSoak(soak.ms)} (at least ${requires.minSoak})`,
            }
          : {
              name: "soak",
              ok: false,
              detail: `${from} has served it ${formatSoak(soak.ms)} since ${soak.since.toISOString()}; promotionRequires.minSoak is ${requires.minSoak}: re-run this check after ${new Date(soak.since.getTime() + need).toISOString()}`,
            },
    );
  }
  if (requires?.healthyReport) {
    const report = read && "report" in read ? read.report : undefined;
    checks.push(
      !report
        ? { name: "health", ok: false, detail: `no monitor report of this pin in ${from}: ${read && "note" in read ? read.note : "not read"}` }
        : report.status === "healthy"
          ? { name: "health", ok: true, detail: `${from}'s latest monitor report is healthy (${report.records} predictions, ${report.key})` }
          : {
              name: "health",
              ok: false,
              detail: `${from}'s latest monitor report of this pin is ${report.status}${report.drifted.length ? ` (drifted: ${report.drifted.slice(0, 5).join(", ")})` : ""}: ${report.key}`,
            },
    ); // prettier-ignore
  }
  return checks;
}

/** The base's deployment config at a commit, or undefined (none, or one that does not parse: noted). */
async function configAt(
  context: PromotionContext,
  note: (line: string) => void,
): Promise<DeployConfig | undefined> {
  const text = await context.git.show(context.baseCommit, DEPLOY_CONFIG_NAME);
  if (text === undefined) return undefined;
  try {
    return parseDeployConfig(
      text,
      Object.keys(models),
      `${DEPLOY_CONFIG_NAME}@${context.baseCommit.slice(0, 12)}`,
    );
  } catch (error) {
    note(`the base's ${DEPLOY_CONFIG_NAME} does not parse: ${message(error)}`);
    return undefined;
  }
}

async function trafficOf(
  options: EvidenceOptions,
  config: DeployConfig | undefined,
  sha256: string,
  soak: PinSoak | undefined,
  report: PublishedReport | undefined,
): Promise<{ traffic?: ServedTraffic; trafficNote?: string }> {
  const namespace = config?.environments[options.from]?.namespace;
  if (options.prometheus && namespace && soak && !soak.until) {
    try {
      const counted = await servedTraffic({
        prometheus: options.prometheus,
        namespace,
        model: options.model,
        sha256,
        seconds: soak.ms / 1000,
        ...(options.now ? { now: options.now } : {}),
      });
      return {
        traffic: {
          source: "prometheus",
          requests: counted.requests,
          ...(counted.errorRatio !== undefined ? { errorRatio: counted.errorRatio } : {}),
          window: `namespace ${namespace}, since the pin was merged`,
        },
      };
    } catch (error) {
      if (!report) return { trafficNote: message(error) };
      options.progress?.(`${message(error)}: the counts come from the monitor report`);
    }
  }
  if (report)
    return {
      traffic: {
        source: "monitor report",
        requests: report.records,
        window:
          report.from && report.to ? `its window ${utc(report.from)} – ${utc(report.to)}` : "its window",
      },
    };
  return {
    trafficNote: options.prometheus
      ? `no count: ${namespace ? `${options.from} no longer pins it` : `${options.from} has no namespace in ${DEPLOY_CONFIG_NAME}`} and there is no monitor report`
      : "no Prometheus URL (--prometheus, LOCKSTEP_PROMETHEUS_URL) and no monitor report of this pin",
  };
}

/** The evidence of a promotion: what runPromotion puts in the pull request ("### Evidence from <from>"). */
export async function gatherEvidence(
  options: EvidenceOptions,
  context: PromotionContext,
): Promise<PromotionEvidence> {
  const { model, from, to } = options;
  const { pin, replaced } = context;
  const notes: string[] = [];
  const config = await configAt(context, (line) => notes.push(line));
  const soak = await pinSoak(
    context.git,
    context.baseCommit,
    context.lockPath,
    model,
    from,
    pin.sha256,
    options.now,
  );
  const read = await latestReportOf(model, from, pin.sha256, {
    ...(options.configStore === false ? {} : { config }),
    dir: options.dir,
    env: options.env,
    ...(options.reportStore ? { storeUri: options.reportStore } : {}),
  });
  const report = "report" in read ? read.report : undefined;
  const requires = config?.environments[to]?.promotionRequires;
  const replay = options.replaySample
    ? await replaySection({
        model,
        environment: to,
        lockPath: join(options.dir, context.lockPath),
        candidate: pin,
        current: replaced,
        storeUri: options.storeUri ?? options.reportStore ?? config?.environments[to]?.store.uri ?? "",
        sampleUri: options.replaySample,
        env: options.env,
        ...(options.progress ? { progress: options.progress } : {}),
      })
    : `### Shadow replay\n\nNo replay sample configured (--replay-sample, LOCKSTEP_REPLAY_SAMPLE_URI): the pin was not replayed against ${to}'s.`;
  return {
    from,
    to,
    sha256: pin.sha256,
    ...(soak ? { soak } : {}),
    ...(await trafficOf(options, config, pin.sha256, soak, report)),
    ...("report" in read ? { report: read.report } : { reportNote: read.note }),
    replay: notes.length > 0 ? `${notes.map((n) => `> ${n}`).join("\n")}\n\n${replay}` : replay,
    ...(requires
      ? {
          requirements: {
            ...requires,
            ...(requires.minSoak !== undefined ? { minSoakMs: parseSoak(requires.minSoak) } : {}),
          },
        }
      : {}),
  };
}

/** runPromotion's evidence callback: the section's Markdown. */
export const promotionEvidence =
  (options: EvidenceOptions) =>
  async (context: PromotionContext): Promise<string> =>
    evidenceSection(await gatherEvidence(options, context));
