// Parse AsyncAPI documents with the official parser (@asyncapi/parser). Prints one JSON line per
// document ({path, errors, diagnostics, messages}); exits 1 when any document has an error.
// Usage: node validate.mjs ../asyncapi.json [more.json ...]
import { readFileSync } from "node:fs";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const parser = new Parser();
let failed = false;
for (const path of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(path, "utf8"), { source: path });
  const shown = diagnostics.map((d) => ({ severity: d.severity, code: d.code, message: d.message, path: d.path.join("/") }));
  const errors = shown.filter((d) => d.severity === DiagnosticSeverity.Error);
  failed ||= errors.length > 0 || !document;
  console.log(JSON.stringify({ path, errors, diagnostics: shown, messages: document ? document.allMessages().length : 0 }));
}
process.exit(failed ? 1 : 0);
