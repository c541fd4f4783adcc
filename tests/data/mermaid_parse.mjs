// Parse a Mermaid diagram read from standard input with the `mermaid` package (in node, on jsdom).
// Prints "OK <diagram type>" and exits 0, or prints the parser's error and exits 1.
// Used by tests/test_graph.py when a node_modules with `mermaid` and `jsdom` is available.
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
const text = readFileSync(0, "utf8");
try {
  const result = await mermaid.parse(text);
  console.log(`OK ${result.diagramType}`);
} catch (error) {
  console.log(`ERROR ${error?.message ?? error}`);
  process.exit(1);
}
