/**
 * Keeps secret values out of diagnostics. Check's failures and warnings name a path and a problem, and some
 * quote the value they are about; for a secret input, every value it holds is removed from every message,
 * whatever the wording: each string value and number text found in it (longest first). A secret string that is
 * not a JSON document (a workspace id, a policy that does not parse) is also removed in pieces: any run of
 * `MIN_FRAGMENT` or more of its characters (a truncated quote, the snippet of a JSON parse error). The values of
 * a document are not, as their pieces are often the words of the messages themselves ("Action", "workspace"); but
 * a message that quotes a long value cut short (`"<first 80 characters>..."`, as a long Sid is) shows its start, so
 * any run of `MIN_PREFIX` or more characters that begins a document's value is removed too.
 *
 * A handful of IAM grammar words carry nothing secret and keep messages readable: see `PUBLIC_WORDS`.
 */
/** What replaces a secret value in a message. */
export const REDACTED = "[secret]";

/** The shortest piece of a secret value that is redacted where it appears on its own. */
export const MIN_FRAGMENT = 6;

/** The shortest start of a secret document's value that is redacted where it appears (a quote cut short). */
export const MIN_PREFIX = 12;

/** Values that are IAM grammar, the same in every policy: `Principal "*"` says more than `Principal "[secret]"`. */
export const PUBLIC_WORDS: ReadonlySet<string> = new Set(["*", "Allow", "Deny", "2012-10-17", "2008-10-17"]);

/**
 * What to remove from messages: whole texts, texts of which any long enough piece goes too, and texts of which
 * any long enough start goes too.
 */
export interface SecretTexts {
  whole: string[];
  pieces: string[];
  /** Texts longer than `MIN_PREFIX`: a run of `MIN_PREFIX` or more characters that begins one is removed. */
  prefixes: string[];
}

/** Every string value and number text in `value` (a JSON string is searched as the document it holds). */
export function secretTexts(value: unknown): SecretTexts {
  const texts = new Set<string>();
  const pieces = new Set<string>();
  const visit = (v: unknown, depth: number, inDocument = false): void => {
    if (depth > 64) {
      return;
    }
    if (typeof v === "string") {
      const document = parseDocument(v);
      if (document !== undefined) {
        // A JSON document: its values are the secret; its keys and punctuation are the grammar of a policy.
        visit(document, depth + 1, true);
      } else {
        texts.add(v);
        texts.add(JSON.stringify(v).slice(1, -1)); // as a message quoting it with JSON.stringify shows it
        if (!inDocument) {
          pieces.add(v);
        }
      }
    } else if (typeof v === "number" || typeof v === "bigint") {
      texts.add(String(v));
    } else if (typeof v === "object" && v !== null) {
      Object.values(v).forEach((item) => visit(item, depth + 1, inDocument));
    }
  };
  visit(value, 0);
  const keep = (set: Set<string>) =>
    [...set].filter((t) => t !== "" && !PUBLIC_WORDS.has(t)).sort((a, b) => b.length - a.length);
  const whole = keep(texts);
  return {
    whole,
    pieces: keep(pieces).filter((t) => t.length >= MIN_FRAGMENT),
    prefixes: whole.filter((t) => t.length > MIN_PREFIX),
  };
}

function parseDocument(text: string): object | undefined {
  if (!/^\s*[[{]/.test(text)) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined; // Not JSON: the text itself (and any fragment of it) is what must not show.
  }
}

/**
 * `message` without any of `texts.whole`, nor any start of `texts.prefixes` `MIN_PREFIX` long or more, nor any
 * piece of `texts.pieces` `MIN_FRAGMENT` long or more.
 */
export function redact(message: string, texts: SecretTexts): string {
  let out = message;
  for (const text of texts.whole) {
    out = out.split(text).join(REDACTED);
  }
  out = redactPrefixes(out, texts.prefixes);
  // Pieces: at each position, the longest run that is part of a secret text.
  const long = texts.pieces;
  if (long.length === 0) {
    return out;
  }
  let result = "";
  for (let i = 0; i < out.length;) {
    let end = i;
    while (end < out.length && long.some((t) => t.includes(out.slice(i, end + 1)))) {
      end++;
    }
    if (end - i >= MIN_FRAGMENT) {
      result += REDACTED;
      i = end;
    } else {
      result += out[i];
      i++;
    }
  }
  return result;
}

/** `message` with each run that begins one of `prefixes` (`MIN_PREFIX` characters or more) replaced. */
function redactPrefixes(message: string, prefixes: readonly string[]): string {
  if (prefixes.length === 0 || message.length < MIN_PREFIX) {
    return message;
  }
  // Index by the first MIN_PREFIX characters, so that each message is scanned once whatever the document's size.
  const byHead = new Map<string, string[]>();
  for (const text of prefixes) {
    const head = text.slice(0, MIN_PREFIX);
    byHead.set(head, [...(byHead.get(head) ?? []), text]);
  }
  let result = "";
  for (let i = 0; i < message.length;) {
    const candidates = byHead.get(message.slice(i, i + MIN_PREFIX));
    let end = i;
    for (const text of candidates ?? []) {
      let k = MIN_PREFIX;
      while (k < text.length && i + k < message.length && message[i + k] === text[k]) {
        k++;
      }
      end = Math.max(end, i + k);
    }
    if (end > i) {
      result += REDACTED;
      i = end;
    } else {
      result += message[i];
      i++;
    }
  }
  return result;
}

/** A check result whose failures and warnings quote nothing of `secretValues`. */
export function redactCheck<T extends { failures: Array<{ property: string; reason: string }>; warnings: string[] }>(
  result: T,
  secretValues: readonly unknown[],
): T {
  const texts = secretTexts(secretValues);
  if (texts.whole.length === 0) {
    return result;
  }
  return {
    ...result,
    failures: result.failures.map((f) => ({ ...f, reason: redact(f.reason, texts) })),
    warnings: result.warnings.map((w) => redact(w, texts)),
  };
}

/**
 * The input of the dynamic door that names its secret inputs. The dynamic-provider server hands `check` plain
 * values (it does not accept secrets), so `ResourcePolicy` computes which of its arguments are secret and passes
 * their names here (hidden from the CLI's display by the `__` prefix).
 */
export const SECRET_INPUTS = "__secretInputs";

/**
 * The values of the inputs `news[SECRET_INPUTS]` names as secret. Without that list (a `pulumi.dynamic.Resource`
 * of the user's own over the provider) secrecy is unknown, and every input is treated as secret.
 */
export function secretInputValues(news: Record<string, unknown>): unknown[] {
  return secretInputNames(news).map((name) => news[name]);
}

/** The names of the inputs `news[SECRET_INPUTS]` names as secret; without that list, every input's. */
export function secretInputNames(news: Record<string, unknown>): string[] {
  const names = news[SECRET_INPUTS];
  if (!Array.isArray(names)) {
    return Object.keys(news).filter((key) => !key.startsWith("__"));
  }
  return names.filter((name): name is string => typeof name === "string");
}

/** The workspace id to name a resource by in a message: `[secret]` when it is secret. */
export function redactedId(news: Record<string, unknown>): string {
  return redact(String(news.workspaceId), secretTexts(secretInputValues(news)));
}
