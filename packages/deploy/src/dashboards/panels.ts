import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus";
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat";
import { PanelBuilder as TableBuilder } from "@grafana/grafana-foundation-sdk/table";
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries";

/** Every panel reads the Prometheus data source the viewer picks (the `datasource` variable). */
export const DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: "${datasource}" };

export const datasourceVariable = () =>
  new dashboard.DatasourceVariableBuilder("datasource").label("Data source").type("prometheus");

/** One PromQL target: its legend, and whether it is an instant (table) query. */
export interface Query {
  expr: string;
  legend?: string;
  instant?: boolean;
}

/** A threshold drawn as a dashed red line (an SLO bound, a drift limit). */
export interface Limit {
  value: number;
}

export interface PanelOptions {
  title: string;
  description: string;
  queries: Query[];
  unit?: string;
  min?: number;
  max?: number;
  limit?: Limit;
  /** Width in grid columns (of 24; default 12). */
  span?: number;
}

function targets(queries: Query[]) {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder()
      .expr(q.expr)
      .refId(String.fromCharCode(65 + i))
      .datasource(DATASOURCE);
    if (q.legend !== undefined) target.legendFormat(q.legend);
    if (q.instant) target.instant().format("table" as never);
    return target;
  });
}

const thresholds = (limit: Limit | undefined) =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: "green" }, ...(limit ? [{ value: limit.value, color: "red" }] : [])]);

export function timeseries(options: PanelOptions): TimeseriesBuilder {
  const panel = new TimeseriesBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .targets(targets(options.queries))
    .span(options.span ?? 12)
    .height(8)
    .unit(options.unit ?? "short")
    .lineWidth(1)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    )
    .thresholds(thresholds(options.limit));
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  if (options.limit)
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  return panel;
}

export function stat(options: PanelOptions): StatBuilder {
  const panel = new StatBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .targets(targets(options.queries))
    .span(options.span ?? 6)
    .height(4)
    .unit(options.unit ?? "short")
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]))
    .thresholds(thresholds(options.limit));
  if (options.min !== undefined) panel.min(options.min);
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

/**
 * An instant query shown as rows; `columns` are the labels kept, in order. Time is hidden, and
 * Value too unless `valueColumn` names it.
 */
export function table(options: PanelOptions & { columns: string[]; valueColumn?: string }): TableBuilder {
  return new TableBuilder()
    .title(options.title)
    .description(options.description)
    .datasource(DATASOURCE)
    .targets(targets(options.queries.map((q) => ({ ...q, instant: true }))))
    .span(options.span ?? 24)
    .height(8)
    .withTransformation({
      id: "organize",
      options: {
        excludeByName: { Time: true, ...(options.valueColumn ? {} : { Value: true }) },
        renameByName: options.valueColumn ? { Value: options.valueColumn } : {},
        indexByName: Object.fromEntries(
          options.columns.map((c, i) => [c === options.valueColumn ? "Value" : c, i]),
        ),
      },
    });
}

/** Panel ids in order of appearance: Grafana keys links and state by them, so they must not move. */
export function numberPanels(built: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const panel of built.panels ?? []) {
    (panel as { id?: number }).id = id++;
  }
  return built;
}

/** Every PromQL expression of a dashboard, with the panel it draws (for promtool and for review). */
export function panelQueries(built: dashboard.Dashboard | unknown): { panel: string; expr: string }[] {
  const panels = (built as { panels?: { title?: string; targets?: { expr?: string }[] }[] }).panels ?? [];
  return panels.flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => typeof t.expr === "string")
      .map((t) => ({ panel: panel.title ?? "", expr: t.expr! })),
  );
}
