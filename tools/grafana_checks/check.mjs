// Grafana's own published artifacts as the judge of the plan's dashboards and queries.
//
//   node check.mjs <input.json>     prints {"versions", "schema", "logql", "promql"} as JSON
//
// input.json: {"dashboards": [{"uid", "model"}], "logql": [{"where", "expr"}], "promql": [...]}
//
// schema: each dashboard becomes a TypeScript file of typed object literals, compiled with
//   excess-property checks on: the whole dashboard as @grafana/schema's `Dashboard`; each panel's
//   `options` and `fieldConfig.defaults.custom` as its panel type's `Options` / `FieldConfig`
//   (panel types without a `FieldConfig` take no custom keys); each Loki target as `LokiDataQuery`;
//   every other target as the common `DataQuery` (the package publishes no Prometheus or
//   PostgreSQL query type). The nested objects are typed consts referenced from the dashboard
//   literal, so each is checked once, against its own type, with excess-property checks.
//   Enums are compared by value (`Plain<T>`), as the JSON Grafana stores holds values, not names.
// logql / promql: parsed with Grafana's LogQL grammar (@grafana/lezer-logql) and Prometheus'
//   PromQL grammar (@prometheus-io/lezer-promql); every error node is reported.
//
// A finding is {"dashboard", "path", "type", "message"} (schema) or {"where", "expr", "at",
// "message"} (queries). Exceptions are not applied here: tools/grafana_checks/exceptions.py holds them.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const schemaRoot = path.dirname(require.resolve('@grafana/schema/package.json'));
const composable = path.join(schemaRoot, 'dist/esm/raw/composable');

// Panel type ids whose schema directory is named differently.
const PANEL_DIRS = { annolist: 'annotationslist', dashlist: 'dashboardlist', nodeGraph: 'nodegraph' };

function version(pkg) {
  return JSON.parse(fs.readFileSync(path.join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;
}

function panelSchema(type) {
  const dir = path.join(composable, PANEL_DIRS[type] ?? type, 'panelcfg/x');
  if (!fs.existsSync(dir)) return null;
  const file = fs.readdirSync(dir).find((f) => f.endsWith('_types.gen.d.ts'));
  if (!file) return null;
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  return {
    module: path.join(dir, file.replace(/\.d\.ts$/, '')),
    options: /export (interface|type) Options\b/.test(text),
    fieldConfig: /export (interface|type) FieldConfig\b/.test(text),
  };
}

const PRELUDE = `
import type { AnnotationTarget, Dashboard, DataQuery } from '${path.join(schemaRoot, 'dist/esm/index')}';
import type { LokiDataQuery } from '${path.join(composable, 'loki/dataquery/x/LokiDataQuery_types.gen')}';
// JSON holds enum values, not enum members: compare by value.
type Plain<T> = T extends string
  ? \`\${T}\`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Plain<U>>
      : T extends object
        ? { [K in keyof T]: Plain<T[K]> }
        : T;
type NoCustom = Record<string, never>;
`;

// One dashboard -> TypeScript source, and each const's base JSON path.
function dashboardSource(model, imports, constPaths, findings, uid) {
  const consts = [];
  let n = 0;
  const ref = (type, value, jsonPath, cast = '') => {
    const name = `v${n++}`;
    consts.push(`const ${name}: ${type} = ${lit(value, jsonPath)};`);
    constPaths[name] = jsonPath;
    return { __ref: cast ? `(${name} as unknown as ${cast})` : name };
  };
  const withRefs = (panel, jsonPath) => {
    const out = { ...panel };
    if (panel.type === 'row') {
      if (Array.isArray(panel.panels)) out.panels = panel.panels.map((p, i) => withRefs(p, `${jsonPath}.panels[${i}]`));
      return out;
    }
    const schema = panelSchema(panel.type);
    if (!schema) {
      findings.push({ dashboard: uid, path: jsonPath, type: panel.type, message: `no published schema for panel type ${JSON.stringify(panel.type)}` });
    } else {
      const alias = `p_${panel.type.replace(/\W/g, '_')}`;
      imports[alias] = schema.module;
      if (panel.options !== undefined && schema.options) {
        out.options = ref(`Plain<${alias}.Options>`, panel.options, `${jsonPath}.options`);
      }
      const custom = panel.fieldConfig?.defaults?.custom;
      if (custom !== undefined) {
        const type = schema.fieldConfig ? `Plain<${alias}.FieldConfig>` : 'NoCustom';
        out.fieldConfig = {
          ...panel.fieldConfig,
          defaults: { ...panel.fieldConfig.defaults, custom: ref(type, custom, `${jsonPath}.fieldConfig.defaults.custom`) },
        };
      }
    }
    if (Array.isArray(panel.targets)) {
      out.targets = panel.targets.map((t, i) => {
        const ds = t.datasource ?? panel.datasource ?? {};
        const type = ds.type === 'loki' ? 'Plain<LokiDataQuery>' : 'Plain<DataQuery> & Record<string, unknown>';
        return ref(type, t, `${jsonPath}.targets[${i}]`);
      });
    }
    return out;
  };
  const top = { ...model, panels: (model.panels ?? []).map((p, i) => withRefs(p, `panels[${i}]`)) };
  // Built-in (tag) annotations: the veneer types `target` as a DataQuery, but the Grafana
  // annotation source reads the raw schema's AnnotationTarget (limit, matchAny, tags, type).
  if (Array.isArray(model.annotations?.list)) {
    top.annotations = {
      ...model.annotations,
      list: model.annotations.list.map((a, i) =>
        a.target && a.datasource?.type === 'grafana'
          ? { ...a, target: ref('Plain<AnnotationTarget>', a.target, `annotations.list[${i}].target`, 'DataQuery') }
          : a,
      ),
    };
  }
  const body = `export const dashboard: Plain<Dashboard> = ${lit(top, '')};`;
  constPaths.dashboard = '';
  const importLines = Object.entries(imports).map(([a, m]) => `import type * as ${a} from '${m}';`);
  return [PRELUDE, ...importLines, ...consts, body, ''].join('\n');
}

function lit(value, jsonPath) {
  if (value && typeof value === 'object' && !Array.isArray(value) && value.__ref) return value.__ref;
  if (Array.isArray(value)) return `[${value.map((v, i) => lit(v, `${jsonPath}[${i}]`)).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${lit(v, `${jsonPath}.${k}`)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

// The JSON path of the innermost literal at `pos` in const `name`'s initializer.
function pathAt(sourceFile, pos, constPaths) {
  let found = null;
  const trail = [];
  const visit = (node) => {
    if (pos < node.getStart(sourceFile) || pos >= node.getEnd()) return;
    trail.push(node);
    found = [...trail];
    ts.forEachChild(node, visit);
    trail.pop();
  };
  visit(sourceFile);
  if (!found) return '?';
  let base = '';
  const parts = [];
  for (let i = 0; i < found.length; i++) {
    const node = found[i];
    if (ts.isVariableDeclaration(node) && constPaths[node.name.getText(sourceFile)] !== undefined) {
      base = constPaths[node.name.getText(sourceFile)];
      parts.length = 0;
    } else if (ts.isPropertyAssignment(node)) {
      parts.push(`.${node.name.text ?? node.name.getText(sourceFile)}`);
    } else if (ts.isArrayLiteralExpression(node) && found[i + 1]) {
      parts.push(`[${node.elements.indexOf(found[i + 1])}]`);
    }
  }
  return (base + parts.join('')).replace(/^\./, '');
}

function flatten(messageText) {
  // The expanded type of a literal says nothing a reader needs: name the key and the problem.
  return ts
    .flattenDiagnosticMessageText(messageText, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ in type '\{.*'\.?$/, ' in the schema')
    .replace(/ to type '\{.*?\}'/g, ' to the schema type');
}

function checkSchemas(dashboards) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-schema-'));
  const files = {};
  const findings = [];
  try {
    dashboards.forEach(({ uid, model }, i) => {
      const constPaths = {};
      const file = path.join(dir, `d${i}.ts`);
      fs.writeFileSync(file, dashboardSource(model, {}, constPaths, findings, uid));
      files[file] = { uid, constPaths };
    });
    const program = ts.createProgram(Object.keys(files), {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      baseUrl: here,
      typeRoots: [],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    for (const d of diagnostics) {
      const info = d.file && files[d.file.fileName];
      if (!info) {
        findings.push({ dashboard: '(setup)', path: '', type: 'typescript', message: flatten(d.messageText) });
        continue;
      }
      findings.push({
        dashboard: info.uid,
        path: pathAt(d.file, d.start, info.constPaths),
        type: 'typescript',
        message: flatten(d.messageText),
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return findings;
}

function parseAll(parser, queries) {
  const findings = [];
  for (const { where, expr } of queries) {
    const tree = parser.parse(expr);
    const errors = [];
    tree.iterate({
      enter: (node) => {
        if (node.type.isError) errors.push(node.from);
      },
    });
    if (errors.length) {
      const at = errors[0];
      findings.push({
        where,
        expr,
        at,
        message: `syntax error at ${at}: ${JSON.stringify(expr.slice(Math.max(0, at - 20), at))} ^ ${JSON.stringify(expr.slice(at, at + 20))}`,
      });
    }
  }
  return findings;
}

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const result = {
  versions: Object.fromEntries(
    ['@grafana/schema', '@grafana/lezer-logql', '@prometheus-io/lezer-promql', 'typescript'].map((p) => [p, version(p)]),
  ),
  schema: checkSchemas(input.dashboards ?? []),
  logql: parseAll(logqlParser, input.logql ?? []),
  promql: parseAll(promqlParser, input.promql ?? []),
};
process.stdout.write(JSON.stringify(result));
