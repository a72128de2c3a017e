// Validates a SARIF log against the SARIF 2.1.0 JSON schema, so that `pgwarden lint --format
// sarif` is known to be what GitHub code scanning and other SARIF consumers accept.
//
// The schema is the one Microsoft's SARIF SDK publishes (sarif-2.1.0-rtm.5, the schema of the
// OASIS 2.1.0 standard as on json.schemastore.org), taken from the npm package
// @microsoft/jest-sarif, the smallest package that ships it as a file. It is a draft-04 schema,
// hence ajv-draft-04; ajv-formats checks "uri", "uri-reference" and "date-time" strictly
// (helpUri and informationUri must be absolute URIs).
//
// Usage: node tests/sarif/validate.mjs FILE.sarif
// Exit 0 when valid, 1 with the schema errors when not, 2 when the file or the schema cannot be
// read.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");
const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs FILE.sarif");
  process.exit(2);
}

let log;
try {
  log = JSON.parse(readFileSync(file, "utf8"));
} catch (e) {
  console.error(`${file}: ${e.message}`);
  process.exit(2);
}

// unicodeRegExp: false because the schema's "language" pattern has a stray "]" that only a
// non-Unicode RegExp accepts (as a literal), the way the schema's authors' validators read it.
let validate;
try {
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  validate = ajv.compile(schema);
} catch (e) {
  console.error(`the SARIF schema does not compile: ${e.message}`);
  process.exit(2);
}

if (validate(log)) {
  console.log(`${file}: valid SARIF 2.1.0`);
  process.exit(0);
}
for (const e of validate.errors) {
  console.error(`${file}: ${e.instancePath || "/"}: ${e.message} ${JSON.stringify(e.params)}`);
}
process.exit(1);
