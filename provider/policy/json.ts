/**
 * The JSON reader of policy documents: RFC 8259 as strict as `JSON.parse`, keeping each number's text (so that no
 * digit, trailing zero or exponent is lost between the user's document, the canonical form and what is sent),
 * refusing a key given twice, bounded in depth, never recursing. It knows JSON, not policies: document.ts builds
 * the typed policy from what it reads.
 */

/**
 * The deepest nesting of arrays and objects accepted. A policy needs six levels (document, Statement list,
 * statement, Condition, operator block, value list); deeper values overflow the stack of `JSON.stringify`.
 */
export const MAX_POLICY_DEPTH = 64;

/** The document could not be read as a JSON object. */
export class PolicyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyParseError";
  }
}

/**
 * A JSON number as written. Its text is kept, so that no digit, trailing zero or exponent is lost between
 * the user's document, the canonical form and what is sent.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** As a JavaScript number (in messages only: beyond 2^53 digits are lost). */
  toJSON(): number {
    return Number(this.text);
  }
}

/** A document as read: the value (numbers as `JsonNumber`) and the size of the text sent to AWS. */
export interface ReadJsonDocument {
  doc: Record<string, unknown>;
  /** UTF-8 bytes of the minified text, the text sent. */
  bytes: number;
  /** The minified text: the text sent. */
  text: string;
}

/**
 * The JSON text of a policy given as a JSON string (itself) or an object (as `JSON.stringify` writes it): the text
 * `readJsonText` reads.
 *
 * @throws PolicyParseError when the input is neither, or an object nests too deep or cannot be serialized.
 */
export function jsonTextOf(input: unknown): string {
  let text: string | undefined;
  if (typeof input === "string") {
    text = input;
  } else if (typeof input === "object" && input !== null) {
    if (nestsTooDeep(input)) {
      throw new PolicyParseError(`nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep`);
    }
    try {
      text = JSON.stringify(input);
    } catch (err) {
      throw new PolicyParseError(`cannot be serialized as JSON (${(err as Error).message})`);
    }
  }
  if (text === undefined) {
    throw new PolicyParseError(`must be a JSON object with a Statement, not ${kindOf(input)}`);
  }
  return text;
}

/**
 * Reads the JSON text of a policy (see jsonTextOf) into a JSON object, with its minified text and size.
 *
 * @throws PolicyParseError when the text is not JSON, has a key twice in one object, nests too deep, or is not an
 * object.
 */
export function readJsonText(text: string): ReadJsonDocument {
  const { value, spaces } = scanJson(text);
  if (!isObject(value)) {
    throw new PolicyParseError(`must be a JSON object with a Statement, not ${kindOf(value)}`);
  }
  // The minified text is built when it is first asked for (to be sent), not by every check and diff.
  let minified = spaces === 0 ? text : undefined;
  return {
    doc: value,
    // Whitespace between tokens is ASCII, one byte each.
    bytes: Buffer.byteLength(text, "utf8") - spaces,
    get text() {
      return (minified ??= minifyJson(text));
    },
  };
}

/**
 * Valid JSON text without its whitespace between tokens: every JSON whitespace character outside a string
 * literal (in text `scanJson` accepted, those are exactly the ones between tokens).
 */
function minifyJson(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) {
        i++; // the escaped character, whatever it is
      } else if (c === 34) {
        inString = false;
      }
    } else if (c === 34) {
      inString = true;
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      parts.push(text.slice(copied, i));
      for (let next = text.charCodeAt(i + 1); next === 32 || next === 9 || next === 10 || next === 13;) {
        next = text.charCodeAt(++i + 1);
      }
      copied = i + 1;
    }
  }
  parts.push(text.slice(copied));
  return parts.join("");
}

/** Whether a value nests deeper than MAX_POLICY_DEPTH; iterative, so that it cannot overflow the stack itself. */
function nestsTooDeep(root: object): boolean {
  const pending: Array<[unknown, number]> = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value === "object" && value !== null) {
      if (depth > MAX_POLICY_DEPTH) {
        return true;
      }
      for (const item of Object.values(value)) {
        pending.push([item, depth + 1]);
      }
    }
  }
  return false;
}

let scans = 0;

/** How many document texts this process has scanned so far: the figure "parses per check + diff + update" counts. */
export function documentScans(): number {
  return scans;
}

/** A container being read by scanJson: the key of the member being read (objects), for placing and paths. */
interface Frame {
  container: unknown[] | Record<string, unknown>;
  key?: string;
}

const numberToken = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex
const plainRun = /[^"\\\u0000-\u001f]*/y;
const escapes: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * A JSON reader (RFC 8259, as strict as `JSON.parse`) that keeps each number's text, refuses a key given twice
 * in one object (naming where), stops at MAX_POLICY_DEPTH, and never recurses, so no input can overflow the
 * stack. It counts the whitespace between tokens (the minified size is the text's less those).
 */
function scanJson(text: string): { value: unknown; spaces: number } {
  scans++;
  const stack: Frame[] = [];
  let i = 0;
  let spaces = 0;
  const fail = (what: string): never => {
    throw new PolicyParseError(`is not valid JSON (${what})`);
  };
  const unexpected = (): never =>
    fail(i >= text.length ? "unexpected end of text" : `unexpected ${JSON.stringify(text[i])} at position ${i}`);
  const skipSpace = (): void => {
    const start = i;
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i)) {
      // whitespace between tokens
    }
    spaces += i - start;
  };
  const readString = (): string => {
    let value = "";
    i++;
    for (;;) {
      // The run up to the next quote, backslash or control character, found by the regex engine.
      plainRun.lastIndex = i;
      plainRun.test(text);
      value += text.slice(i, plainRun.lastIndex);
      i = plainRun.lastIndex;
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) {
        fail("unterminated string");
      } else if (c === 34) {
        i++;
        break;
      } else if (c === 92) {
        const kind = text[i + 1];
        if (kind === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            fail(`bad \\u escape at position ${i}`);
          }
          value += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (kind !== undefined && kind in escapes) {
          value += escapes[kind];
          i += 2;
        } else {
          fail(`bad escape at position ${i}`);
        }
      } else {
        fail(`unescaped control character in a string at position ${i}`);
      }
    }
    return value;
  };
  // The path of the innermost container, e.g. `Statement[0].Condition`: each parent's member being read.
  const pathOf = (): string =>
    stack
      .slice(0, -1)
      .map((frame, depth) =>
        Array.isArray(frame.container) ? `[${frame.container.length}]` : pathStep(frame.key!, depth === 0),
      )
      .join("");
  const open = (container: unknown[] | Record<string, unknown>): void => {
    if (stack.length >= MAX_POLICY_DEPTH) {
      throw new PolicyParseError(`nests arrays and objects more than ${MAX_POLICY_DEPTH} levels deep`);
    }
    stack.push({ container });
    i++;
  };
  const readKey = (frame: Frame): void => {
    if (text[i] !== '"') {
      unexpected();
    }
    const key = readString();
    // A member is placed once its value is read, so a key seen before is already an own member.
    if (Object.prototype.hasOwnProperty.call(frame.container, key)) {
      const at = pathOf();
      throw new PolicyParseError(`${at ? `${at} ` : ""}has the key ${quote(key)} twice`);
    }
    frame.key = key;
    skipSpace();
    if (text[i] !== ":") {
      unexpected();
    }
    i++;
  };

  let value: unknown;
  skipSpace();
  for (;;) {
    // Read one value; a container opened here is completed by the loop below.
    let complete = true;
    const c = text[i];
    if (c === "{" || c === "[") {
      const isArray = c === "[";
      open(isArray ? [] : {});
      skipSpace();
      if (text[i] === (isArray ? "]" : "}")) {
        i++;
        value = stack.pop()!.container;
      } else {
        complete = false;
        if (!isArray) {
          readKey(stack[stack.length - 1]);
          skipSpace();
        }
      }
    } else if (c === '"') {
      value = readString();
    } else if (c === "t" && text.startsWith("true", i)) {
      value = true;
      i += 4;
    } else if (c === "f" && text.startsWith("false", i)) {
      value = false;
      i += 5;
    } else if (c === "n" && text.startsWith("null", i)) {
      value = null;
      i += 4;
    } else {
      numberToken.lastIndex = i;
      const match = numberToken.exec(text);
      if (match === null) {
        unexpected();
      }
      value = new JsonNumber(match![0]);
      i = numberToken.lastIndex;
    }
    if (!complete) {
      continue;
    }
    // Place the value in its container, then close every container it completes.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        skipSpace();
        if (i < text.length) {
          unexpected();
        }
        return { value, spaces };
      }
      if (Array.isArray(frame.container)) {
        frame.container.push(value);
      } else if (frame.key === "__proto__") {
        // An own member, as JSON.parse makes it, not the prototype.
        Object.defineProperty(frame.container, frame.key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        frame.container[frame.key!] = value;
      }
      skipSpace();
      const close = Array.isArray(frame.container) ? "]" : "}";
      if (text[i] === ",") {
        i++;
        skipSpace();
        if (!Array.isArray(frame.container)) {
          readKey(frame);
          skipSpace();
        }
        break;
      }
      if (text[i] !== close) {
        unexpected();
      }
      i++;
      value = stack.pop()!.container;
    }
  }
}

/** How a path names a member: `.Condition`, `["aws:SourceAccount"]`; at the top, `Statement`. */
export function pathStep(key: string, top: boolean): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    return top ? key : `.${key}`;
  }
  return `[${quote(key)}]`;
}

/** A key or value quoted for a message, cut to a readable length. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/** A read value with its numbers as JavaScript numbers. Recursive: read values are at most 64 levels deep. */
export function toPlain(value: unknown): unknown {
  if (value instanceof JsonNumber) {
    return Number(value.text);
  }
  if (Array.isArray(value)) {
    return value.map(toPlain);
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: toPlain(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/** Whether a read value is a JSON object (not an array, a number or null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** A read value's JSON type, for messages: "null", "an array", "a number", "a string", ... */
export function kindOf(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "an array";
  }
  if (value instanceof JsonNumber) {
    return "a number";
  }
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
