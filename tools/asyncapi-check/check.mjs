#!/usr/bin/env node
// Parse and validate an AsyncAPI document with @asyncapi/parser (the AsyncAPI Initiative's
// parser: JSON Schema of the spec plus its Spectral ruleset). Prints every diagnostic;
// exits 1 when one has severity error (or the file cannot be read), 0 otherwise.
//
//   node tools/asyncapi-check/check.mjs libs/events/schemas/asyncapi.json
//
// Relative $refs (./AccountCreated.v1.json) are resolved from the document's own directory.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Parser, DiagnosticSeverity } from "@asyncapi/parser";

const SEVERITY = { [DiagnosticSeverity.Error]: "error", [DiagnosticSeverity.Warning]: "warning",
                   [DiagnosticSeverity.Information]: "info", [DiagnosticSeverity.Hint]: "hint" };

async function main(path) {
  if (!path) {
    console.error("usage: check.mjs <asyncapi document>");
    return 2;
  }
  const file = resolve(path);
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    console.error(`error: cannot read ${path}: ${err.message}`);
    return 1;
  }
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(text, { source: pathToFileURL(file).href });
  let errors = 0;
  for (const d of diagnostics) {
    const severity = SEVERITY[d.severity] ?? String(d.severity);
    if (d.severity === DiagnosticSeverity.Error) errors += 1;
    if (d.severity > DiagnosticSeverity.Warning) continue; // info and hints: not printed
    const where = d.path && d.path.length ? ` at ${d.path.join("/")}` : "";
    console.log(`${severity}: ${d.code}${where}: ${d.message}`);
  }
  if (errors || !document) {
    console.log(`${path}: invalid (${errors} error(s))`);
    return 1;
  }
  const ops = document.operations().length;
  const channels = document.channels().length;
  const messages = document.components().messages().length;
  console.log(`${path}: valid AsyncAPI ${document.version()} (${channels} channels, ${ops} operations, ${messages} messages)`);
  return 0;
}

process.exitCode = await main(process.argv[2]);
