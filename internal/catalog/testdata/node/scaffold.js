// Runs a Backstage software template (scaffolder.backstage.io/v1beta3) the
// way Backstage 1.55 does, with the engines Backstage runs, pinned in
// package.json to the versions that release installs:
//
//   - the catalog parses template.yaml with yaml's parseAllDocuments
//     (@backstage/plugin-catalog-node parseEntityYaml);
//   - the form (@backstage/plugin-scaffolder-react 2.1.0 Stepper) shows one
//     rjsf 5.24.13 Form per parameter page: ui:* keys moved out of the schema
//     (extractSchemaFromStep), the page title dropped (useTemplateSchema),
//     the validator customizeValidator() from @rjsf/validator-ajv8 with
//     ajv-errors, experimental_defaultFormStateBehavior {allOf:
//     'populateDefaults'}. The Form fills the page's defaults into the form
//     state with getDefaultFormState when it mounts and again on every
//     change, validates the page on Next, and the Stepper merges each page's
//     data into one state ({...state, ...formData}): that state is what the
//     template runs with;
//   - the backend (@backstage/plugin-scaffolder-backend 4.2.0) validates
//     those values against every page with jsonschema, renders each step's
//     input with nunjitsu's renderValue (NunjucksWorkflowRunner.render: a
//     string that fails to render is passed on as it is) and fetch:template
//     renders the skeleton's paths and contents with nunjitsu's render
//     (templateActionHandler), both with Backstage's default filters.
//
// Usage: node scaffold.js < request.json > response.json, where the request
// is {"template": "<path of template.yaml>", "cases": [{"name": "...",
// "input": {...}}]} and input is what the user enters in the form, by
// parameter name (objects: the fields the user fills, lists and maps: the
// whole value). The response has, per case, the pages (defaults the form
// filled when the page opened, data it submitted, its validation errors),
// the values the task ran with, the backend's validation errors, every
// step's rendered input, inputs that did not render, and the files
// fetch:template wrote (by workspace path). A page with errors stops the
// case there, as the form does.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');
const lodash = require('lodash');
const { createSchemaUtils, deepEquals } = require('@rjsf/utils');
const { customizeValidator } = require('@rjsf/validator-ajv8');
const ajvErrors = require('ajv-errors');
const jsonschema = require('jsonschema');
const { createTemplateRenderer } = require('nunjitsu');

// --- the form (plugin-scaffolder-react Stepper, rjsf Form) ----------------

const validator = customizeValidator();
(ajvErrors.default ?? ajvErrors)(validator.ajv);
const defaultFormStateBehavior = { allOf: 'populateDefaults' };

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// extractUiSchema moves ui:* keys into a uiSchema, as scaffolder-react's
// extractSchemaFromStep does (properties, items, anyOf, oneOf, allOf,
// dependencies, then, else).
function extractUiSchema(schema, uiSchema) {
  if (!isObject(schema)) return;
  for (const k of Object.keys(schema)) {
    if (k.startsWith('ui:')) {
      uiSchema[k] = schema[k];
      delete schema[k];
    }
  }
  const { properties, items, anyOf, oneOf, allOf, dependencies, then, else: otherwise } = schema;
  if (isObject(properties)) {
    for (const k of Object.keys(properties)) {
      if (!isObject(properties[k])) continue;
      if (!isObject(uiSchema[k])) uiSchema[k] = {};
      extractUiSchema(properties[k], uiSchema[k]);
    }
  }
  if (isObject(items)) {
    uiSchema.items = {};
    extractUiSchema(items, uiSchema.items);
  }
  for (const list of [anyOf, oneOf, allOf]) {
    if (Array.isArray(list)) for (const s of list) extractUiSchema(s, uiSchema);
  }
  if (isObject(dependencies)) {
    for (const k of Object.keys(dependencies)) extractUiSchema(dependencies[k], uiSchema);
  }
  if (isObject(then)) extractUiSchema(then, uiSchema);
  if (isObject(otherwise)) extractUiSchema(otherwise, uiSchema);
}

// formPage is a parameter page as the Stepper hands it to the Form.
function formPage(parameters) {
  const schema = structuredClone(parameters);
  const uiSchema = {};
  extractUiSchema(schema, uiSchema);
  const { title, ...rest } = schema;
  return { title: parameters.title, schema: rest, uiSchema };
}

// pageFields are the parameters a page has a field for, in any branch.
function pageFields(schema) {
  const keys = new Set(Object.keys(schema.properties ?? {}));
  for (const dep of Object.values(schema.dependencies ?? {})) {
    for (const branch of [dep, ...(dep.oneOf ?? []), ...(dep.anyOf ?? [])]) {
      for (const k of Object.keys(branch?.properties ?? {})) keys.add(k);
    }
  }
  return keys;
}

// enter puts what the user enters over the form's data: an object's fields
// one by one, a list or a scalar as a whole.
function enter(data, input) {
  if (!isObject(data) || !isObject(input)) return structuredClone(input);
  const out = { ...data };
  for (const [k, v] of Object.entries(input)) out[k] = enter(data[k], v);
  return out;
}

function fillForm(parameters, input) {
  let state = {}; // useFormDataFromQuery: no formData in the URL
  const pages = [];
  const unknown = new Set(Object.keys(input));
  for (const parameter of parameters) {
    const page = formPage(parameter);
    const fields = pageFields(page.schema);
    fields.forEach(k => unknown.delete(k));
    const schemaUtils = createSchemaUtils(validator, page.schema, defaultFormStateBehavior);
    // The Form mounts with the state and reports its defaults (onChange).
    let formData = schemaUtils.getDefaultFormState(page.schema, state);
    const defaults = formData;
    if (!deepEquals(formData, state)) state = { ...state, ...formData };
    // The user fills the page's fields; every change refills the defaults.
    const entered = Object.fromEntries(Object.entries(input).filter(([k]) => fields.has(k)));
    formData = schemaUtils.getDefaultFormState(page.schema, enter(formData, entered));
    state = { ...state, ...formData };
    // Next: the Form validates the page against its schema as resolved
    // for the data (dependencies).
    const retrieved = schemaUtils.retrieveSchema(page.schema, formData);
    const { errors } = validator.validateFormData(formData, retrieved, undefined, undefined, page.uiSchema);
    const own = data => Object.fromEntries(Object.entries(data).filter(([k]) => fields.has(k)));
    pages.push({
      title: page.title,
      defaults: own(defaults),
      formData: own(formData),
      errors: errors.map(e => ({ name: e.name, property: e.property, message: e.message, stack: e.stack })),
    });
    if (errors.length > 0) return { pages, rejected: true };
  }
  if (unknown.size > 0) {
    throw new Error(`the form has no field for ${[...unknown].sort().join(', ')}`);
  }
  return { pages, rejected: false, values: state };
}

// --- the backend (plugin-scaffolder-backend) -------------------------------

// Backstage's default filters (createDefaultFilters): pick is lodash's get;
// parseRepoUrl, parseEntityRef and projectSlug need Backstage's SCM
// integrations and catalog model, which this driver does not load: a
// template using them fails here until they are added.
function unsupported(name) {
  return () => {
    throw new Error(`the test driver does not implement Backstage's ${name} filter`);
  };
}
const filters = {
  parseRepoUrl: unsupported('parseRepoUrl'),
  parseEntityRef: unsupported('parseEntityRef'),
  pick: (input, ...args) => lodash.get(input, ...args),
  projectSlug: unsupported('projectSlug'),
};

function isTruthy(value) {
  return Array.isArray(value) ? value.length > 0 : !!value;
}

// renderInput is NunjucksWorkflowRunner.render, noting what failed.
function renderInput(input, context, renderer, failed) {
  return JSON.parse(JSON.stringify(input), (_key, value) => {
    try {
      if (typeof value === 'string') return renderer.renderValue(value, context);
    } catch (e) {
      failed.push(`${value}: ${e.message}`);
      return value;
    }
    return value;
  });
}

function listFiles(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, p));
    else out.push(p);
  }
  return out.sort();
}

// fetchTemplate is fetch:template's handler for a local skeleton: every
// path and file rendered with {values}.
function fetchTemplate(input, templateDir, files) {
  for (const k of ['copyWithoutTemplating', 'templateFileExtension', 'cookiecutterCompat', 'replace']) {
    if (input[k] !== undefined) throw new Error(`fetch:template input ${k} is not supported by the test driver`);
  }
  const url = input.url;
  if (typeof url !== 'string' || !url.startsWith('./')) {
    throw new Error(`fetch:template url ${url}: the test driver fetches only directories beside the template`);
  }
  const skeleton = path.resolve(templateDir, url);
  const renderer = createTemplateRenderer({
    filters,
    allowRegexExecution: true,
    cookiecutterCompat: input.cookiecutterCompat,
    trimBlocks: input.trimBlocks,
    lstripBlocks: input.lstripBlocks,
  });
  const context = renderer.prepareContext({ values: input.values });
  const target = path.posix.normalize(input.targetPath ?? './');
  for (const location of listFiles(skeleton)) {
    const local = renderer.render(location, context);
    if (local === '' || local.startsWith('/') || local.includes('//')) continue;
    const contents = fs.readFileSync(path.join(skeleton, location), 'utf-8');
    files[path.posix.join(target, local)] = renderer.render(contents, context);
  }
}

function runTask(template, templateDir, values) {
  const renderer = createTemplateRenderer({
    allowRegexExecution: true,
    filters,
    globals: { always: () => true, failure: () => false },
  });
  let context = renderer.prepareContext({
    parameters: values,
    environment: { parameters: {}, secrets: {} },
    steps: {},
    user: { ref: 'user:default/guest' },
    context: { task: { id: 'test' } },
  });
  context = context.withValue(['environment'], { parameters: {}, secrets: {} }).withValue(['secrets'], {});
  const steps = {};
  const failed = [];
  const files = {};
  for (const step of template.spec.steps ?? []) {
    if (step.each !== undefined) throw new Error(`step ${step.id}: each is not supported by the test driver`);
    if (step.if === false || (typeof step.if === 'string' && !isTruthy(renderInput(step.if, context, renderer, failed)))) {
      continue;
    }
    const input = step.input ? renderInput(step.input, context, renderer, failed) : {};
    steps[step.id] = { action: step.action, input };
    if (step.action === 'fetch:template') fetchTemplate(input, templateDir, files);
  }
  return { steps, renderFailures: failed, files };
}

// --- main ------------------------------------------------------------------

function readTemplate(file) {
  const docs = yaml.parseAllDocuments(fs.readFileSync(file, 'utf8'), { merge: false }).filter(d => d);
  if (docs.length !== 1) throw new Error(`${file}: ${docs.length} YAML documents, want 1`);
  if (docs[0].errors?.length) throw new Error(`${file}: ${docs[0].errors[0]}`);
  const t = docs[0].toJSON();
  if (t?.apiVersion !== 'scaffolder.backstage.io/v1beta3' || t?.kind !== 'Template') {
    throw new Error(`${file} is not a scaffolder.backstage.io/v1beta3 Template`);
  }
  return t;
}

function version(pkg) {
  return require(`${pkg}/package.json`).version;
}

function main() {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'));
  const template = readTemplate(request.template);
  const templateDir = path.dirname(request.template);
  const parameters = [template.spec.parameters ?? []].flat();
  const cases = request.cases.map(c => {
    const form = fillForm(parameters, c.input);
    const result = { name: c.name, pages: form.pages, rejected: form.rejected };
    if (form.rejected) return result;
    result.values = form.values;
    result.backendErrors = parameters.flatMap(p => jsonschema.validate(form.values, p).errors.map(e => e.stack));
    if (result.backendErrors.length > 0) return result;
    Object.assign(result, runTask(template, templateDir, form.values));
    return result;
  });
  const engines = Object.fromEntries(
    ['nunjitsu', '@rjsf/utils', '@rjsf/validator-ajv8', 'ajv', 'ajv-errors', 'jsonschema', 'yaml'].map(p => [p, version(p)]),
  );
  process.stdout.write(JSON.stringify({ engines, node: process.version, cases }));
}

main();
