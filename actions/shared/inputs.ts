/** The input as a boolean: true/false (any case), or a clear failure. */
export function booleanInput(name: string, value: string): boolean {
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(value.slice(0, 40))}`);
}
