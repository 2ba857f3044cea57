// Type-checks dashboard JSON files against Grafana's own schema (@grafana/schema) with TypeScript.
//
//   node check.mjs DASHBOARD.json [...]      exit 0 when every file passes, 1 with diagnostics
//
// Each JSON file becomes a TypeScript module whose literals must satisfy:
//   - the whole model: `Dashboard` (panels, templating, time, ...), with excess-property checks;
//   - each panel: its plugin's own `Options` and `FieldConfig` types from @grafana/schema's
//     panelcfg (timeseries, stat, table, barchart, piechart), and its targets the ClickHouse
//     plugin's SQL query model (declared below: the plugin's types are not in @grafana/schema);
//   - each variable: `VariableModel`.
// Diagnostics name the file and the panel or variable they are about.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ts = require("typescript");

const PANEL_TYPES = {
  timeseries: ["TimeSeriesPanelCfg", true],
  stat: ["StatPanelCfg", false],
  table: ["TablePanelCfg", true],
  barchart: ["BarChartPanelCfg", true],
  piechart: ["PieChartPanelCfg", true],
};

const PRELUDE = `
import type { Dashboard, DataQuery, DataSourceRef, Panel, RowPanel, VariableModel } from "@grafana/schema";
${Object.entries(PANEL_TYPES)
  .map(([name, [cfg]]) => `import type * as ${name} from "@grafana/schema/dist/esm/raw/composable/${name}/panelcfg/x/${cfg}_types.gen";`)
  .join("\n")}

/**
 * The ClickHouse plugin's raw SQL query, as its v4 types declare it (grafana-clickhouse-datasource
 * src/types/sql.ts, CHSqlQuery): format is sqlds' numeric result format (0 time series, 1 table,
 * 2 logs, 3 traces, 4 multi).
 */
interface ClickHouseQuery extends DataQuery {
  datasource?: DataSourceRef & { type: "grafana-clickhouse-datasource" };
  pluginVersion: string;
  editorType: "sql";
  rawSql: string;
  format: 0 | 1 | 2 | 3 | 4;
  queryType?: "table" | "timeseries" | "logs" | "traces";
  meta?: { timezone?: string };
  expand?: boolean;
}

/**
 * The JSON spelling of a schema type: a string enum member is written as its value ("list" for
 * LegendDisplayMode.List), everything else as it is, so literals in JSON can satisfy enum-typed
 * fields while a value outside the enum still fails.
 */
type Json<T> = T extends number
  ? T
  : T extends string
    ? \`\${T}\`
    : T extends boolean
      ? T
      : T extends Array<infer U>
        ? Array<Json<U>>
        : T extends object
          ? { [K in keyof T]: Json<T[K]> }
          : T;

type PanelOf<O, F> = Omit<Panel<O, F>, "options" | "targets" | "type" | "datasource"> & {
  options: O;
  targets: ClickHouseQuery[];
  datasource: DataSourceRef & { type: "grafana-clickhouse-datasource" };
};
/** The plugin's variable query (src/data/CHVariableSupport.tsx, CHVariableQuery). */
interface ClickHouseVariableQuery {
  refId: string;
  queryType: "sql" | "databases" | "tables" | "columns" | "columnValues";
  rawSql?: string;
  database?: string;
  table?: string;
  column?: string;
  mapKey?: string;
  columnIsMap?: boolean;
}

type ClickHouseVariable = Omit<VariableModel, "query" | "datasource"> & {
  type: "query";
  query: ClickHouseVariableQuery;
  datasource: DataSourceRef & { type: "grafana-clickhouse-datasource" };
};
`;

function panelType(panel) {
  const entry = PANEL_TYPES[panel.type];
  if (!entry) return null;
  const fieldConfig = entry[1] ? `${panel.type}.FieldConfig` : "Record<string, unknown>";
  return `Json<PanelOf<${panel.type}.Options, ${fieldConfig}> & { type: ${JSON.stringify(panel.type)} }>`;
}

function moduleFor(dashboard) {
  const lines = [PRELUDE, `export const dashboard = ${JSON.stringify(dashboard, null, 2)} satisfies Json<Dashboard>;`];
  const labels = [[lines.join("\n").split("\n").length + 1, "dashboard"]];
  (dashboard.panels ?? []).forEach((panel, index) => {
    const type = panel.type === "row" ? "Json<RowPanel>" : panelType(panel);
    const label = `panel ${index + 1} (${panel.type}: ${JSON.stringify(panel.title ?? "")})`;
    if (!type) {
      lines.push(`export const panel_${index} = { unsupported: ${JSON.stringify(panel.type)} } satisfies never;`);
    } else {
      lines.push(`export const panel_${index} = ${JSON.stringify(panel, null, 2)} satisfies ${type};`);
    }
    labels.push([lines.join("\n").split("\n").length, label]);
  });
  (dashboard.templating?.list ?? []).forEach((variable, index) => {
    const type = variable.type === "query" ? "Json<ClickHouseVariable>" : "Json<VariableModel>";
    lines.push(`export const variable_${index} = ${JSON.stringify(variable, null, 2)} satisfies ${type};`);
    labels.push([lines.join("\n").split("\n").length, `variable $${variable.name}`]);
  });
  return { text: lines.join("\n") + "\n", labels };
}

function where(labels, line) {
  for (const [end, label] of labels) if (line < end) return label;
  return "dashboard";
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs DASHBOARD.json [...]");
  process.exit(2);
}

const workDir = join(here, `.checked-${process.pid}`);
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
const sources = new Map();
for (const file of files) {
  const path = resolve(file);
  let model;
  try {
    model = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    console.log(`${basename(path)}: not valid JSON: ${error.message}`);
    process.exit(1);
  }
  const out = join(workDir, basename(path).replace(/\.json$/, "") + ".ts");
  const { text, labels } = moduleFor(model);
  writeFileSync(out, text);
  sources.set(out, { name: basename(path), labels });
}

const program = ts.createProgram([...sources.keys()], {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  skipLibCheck: true,
  types: [],
  baseUrl: here,
  typeRoots: [join(here, "node_modules")],
});
const diagnostics = ts.getPreEmitDiagnostics(program);
let errors = 0;
for (const diagnostic of diagnostics) {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
  if (diagnostic.file && sources.has(resolve(diagnostic.file.fileName))) {
    const { name, labels } = sources.get(resolve(diagnostic.file.fileName));
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    const token = diagnostic.file.text.substr(diagnostic.start ?? 0, Math.min(diagnostic.length ?? 0, 60));
    const at = /^"[^"]+"$/.test(token) ? ` at ${token}` : "";
    console.log(`${name}: ${where(labels, line + 1)}${at}: ${message}`);
  } else {
    console.log(`schema-check: ${message}`);
  }
  errors += 1;
}
rmSync(workDir, { recursive: true, force: true });
if (errors) {
  console.log(`${errors} schema error(s) in ${files.length} dashboard(s)`);
  process.exit(1);
}
console.log(`${files.length} dashboard(s) match @grafana/schema`);
