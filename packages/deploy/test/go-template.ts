/* eslint-disable @typescript-eslint/no-explicit-any -- template data is untyped JSON, as Go sees it */
/**
 * The part of Go's text/template the notification templates use, to render them in tests:
 * `{{ .a.b | toJson }}` and `{{ index .a.b "key" | toJson }}`. A missing map key is nil (Go's
 * default `missingkey`), which sprig's toJson writes as null. Anything else is refused.
 */
const ACTION = /\{\{\s*(.*?)\s*\}\}/g;

function field(data: any, path: string): any {
  if (!path.startsWith(".")) throw new Error(`not a field: ${path}`);
  let value = data;
  for (const part of path.slice(1).split(".").filter(Boolean)) value = value?.[part];
  return value;
}

function command(data: any, text: string): any {
  const index = /^index\s+(\S+)\s+"([^"]*)"$/.exec(text);
  if (index) return field(data, index[1]!)?.[index[2]!];
  if (/^\.[\w.]*$/.test(text)) return field(data, text);
  throw new Error(`unsupported template command: ${text}`);
}

export function renderGoTemplate(template: string, data: unknown): string {
  return template.replace(ACTION, (_, pipeline: string) => {
    const [first, ...rest] = pipeline.split("|").map((p) => p.trim());
    let value = command(data, first!);
    for (const fn of rest) {
      if (fn !== "toJson") throw new Error(`unsupported template function: ${fn}`);
      value = JSON.stringify(value ?? null);
    }
    if (rest.length === 0) return value === undefined ? "<no value>" : String(value);
    return value as string;
  });
}
