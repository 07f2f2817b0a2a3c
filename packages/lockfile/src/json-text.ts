/**
 * Guards for JSON text from a party that may be hostile (a request body, a lock file in a pull
 * request, a candidate file): nesting counted before JSON.parse builds anything, and parse errors
 * that never quote the text back.
 */

/** How deep arrays and objects nest in JSON text, counted outside strings before parsing. */
export function jsonTextDepth(text: string): number {
  // Counts bracket nesting outside strings, before JSON.parse.
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
  }
  return max;
}

const QUOTES_BODY = /^Unexpected token '(.+?)', .*is not valid JSON$/su;

/**
 * V8's JSON.parse message without the body: for an unexpected token V8 quotes up to ~30 characters
 * of the body, which would put a client's data (a password, binary garbage) into the answer and the
 * logs. The offending character alone is kept, as a code point when it is not printable.
 */
export function jsonErrorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const token = QUOTES_BODY.exec(message)?.[1];
  if (token !== undefined) {
    const printable = /^[\x21-\x7e]$/.test(token);
    const codePoint = `U+${token.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
    return `unexpected ${printable ? `'${token}'` : codePoint}`;
  }
  // the other messages say what was expected and at which position, and quote nothing
  return message && !message.includes('"') ? message : "cannot be parsed";
}
