// Grafana's own data library (@grafana/data 11.6) applied to data frames: a panel's transformations
// as Grafana runs them, and how a field's config (unit, decimals, thresholds, value mappings)
// displays values. Input (a JSON file): {"transformations": [...], "frames": [{"name", "fields":
// [{"name", "type", "values", "config"?}]}], "display": [{"type", "config", "values"}]}.
// Output (stdout): {"frames": [...as input, plus each field's display name], "display": [[{"text",
// "color"}, ...]]}. The CommonJS build is used: it loads outside a browser once `window` exists.
'use strict';

// The browser globals the library reads: the window it hangs settings on, the user's language.
globalThis.window = globalThis;
if (typeof navigator === 'undefined') {
  globalThis.navigator = { language: 'en-US', languages: ['en-US'] };
}
const fs = require('fs');
const {
  createTheme,
  getDisplayProcessor,
  getFieldDisplayName,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
} = require('@grafana/data');

// Grafana's app registers the transformers at start-up; @grafana/data ships them unregistered.
const transformers = new Map(Object.values(standardTransformers).map((t) => [t.id, t]));
standardTransformersRegistry.setInit(() =>
  Array.from(transformers.values()).map((t) => ({ id: t.id, aliasIds: t.aliasIds, name: t.name, transformation: t }))
);

function toFrame(frame) {
  return {
    name: frame.name,
    length: frame.fields.length ? frame.fields[0].values.length : 0,
    fields: frame.fields.map((f) => ({ name: f.name, type: f.type, values: f.values, config: f.config || {} })),
  };
}

function fromFrame(frame, all) {
  return {
    name: frame.name,
    fields: frame.fields.map((f) => ({
      name: f.name,
      displayName: getFieldDisplayName(f, frame, all),
      type: f.type,
      values: Array.from(f.values),
    })),
  };
}

function transform(transformations, frames) {
  return new Promise((resolve, reject) => {
    transformDataFrame(transformations, frames.map(toFrame)).subscribe({ next: resolve, error: reject });
  });
}

async function main() {
  const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const frames = await transform(input.transformations || [], input.frames || []);
  const theme = createTheme();
  const display = (input.display || []).map(({ type, config, values }) => {
    const show = getDisplayProcessor({ field: { type, config }, theme, timeZone: 'utc' });
    return values.map((value) => {
      const shown = show(value);
      return { text: shown.text, color: shown.color };
    });
  });
  process.stdout.write(JSON.stringify({ frames: frames.map((f) => fromFrame(f, frames)), display }));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
