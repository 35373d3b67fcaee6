/**
 * The access rows as a table, in the spirit of `cdk diff`'s IAM statement changes: a `+`/`-` column, then
 * Effect │ Action │ Principal │ Condition (and the Sid and notes), readable in a terminal and in CI logs.
 * Colour only when asked for (the caller passes `process.stdout.isTTY`).
 */
import type { AccessChange, AccessChangeRow } from "./change";
import type { AccessExplanation, AccessRow } from "./model";

/** How to print. */
export interface FormatOptions {
  /** ANSI colour: green for added rows, red for removed ones, yellow for the verdict. Default false. */
  color?: boolean;
  /** Plain ASCII borders (`+`, `-`, `|`) instead of box-drawing characters. Default false. */
  ascii?: boolean;
  /** Condition and note lines wider than this wrap at spaces (or break). Default 48. */
  maxCellWidth?: number;
  /** Print the one-line verdict above the table. Default true. */
  summary?: boolean;
}

const ansi = { green: "\u001b[32m", red: "\u001b[31m", yellow: "\u001b[33m", bold: "\u001b[1m", reset: "\u001b[0m" };

/**
 * An access change as text: the verdict, then the removed and added statements as a table, then any notes.
 * A change with no rows prints only the verdict.
 */
export function formatAccessChange(change: AccessChange, options: FormatOptions = {}): string {
  const lines: string[] = [];
  if (options.summary !== false) {
    const paint =
      options.color === true && (change.broadening || change.narrowing)
        ? (text: string) => `${change.broadening ? ansi.yellow : ""}${ansi.bold}${text}${ansi.reset}`
        : (text: string) => text;
    lines.push(paint(change.summary));
  }
  const rows: AccessChangeRow[] = [...change.removed, ...change.added];
  if (rows.length > 0) {
    lines.push(table(rows, true, options));
  }
  for (const text of change.notes) {
    lines.push(`note: ${text}`);
  }
  return lines.join("\n");
}

/** Who can do what: a policy's rows (explainAccess) as a table, without the `+`/`-` column. */
export function formatAccessRows(rows: readonly AccessRow[], options: FormatOptions = {}): string {
  if (rows.length === 0) {
    return "(no statements: nobody has access through this policy)";
  }
  return table(rows, false, options);
}

/** An explanation (explainAccess) as text: the table and the digest. */
export function formatAccessExplanation(explanation: AccessExplanation, options: FormatOptions = {}): string {
  const lines = [formatAccessRows(explanation.rows, options)];
  lines.push(explanation.unknown ? "access digest: not known yet" : `access digest: ${explanation.digest}`);
  return lines.join("\n");
}

function table(rows: readonly (AccessRow & { change?: "+" | "-" })[], withChange: boolean, options: FormatOptions) {
  const width = options.maxCellWidth ?? 48;
  const hasSid = rows.some((row) => row.sid !== "");
  const hasNotes = rows.some((row) => row.notes.length > 0);
  const header = [
    ...(withChange ? [""] : []),
    "Effect",
    "Action",
    "Principal",
    "Condition",
    ...(hasSid ? ["Sid"] : []),
    ...(hasNotes ? ["Notes"] : []),
  ];
  const body = rows.map((row) => [
    ...(withChange ? [[row.change ?? ""]] : []),
    [row.effect],
    row.actions,
    row.principals,
    row.conditions,
    ...(hasSid ? [[row.sid]] : []),
    ...(hasNotes ? [row.notes] : []),
  ]);
  // Names (ARNs, actions) never wrap, so that they can be copied; conditions and notes do.
  const wraps = header.map((title) => title === "Condition" || title === "Notes");
  const cells = [header.map((title) => [title]), ...body].map((row) =>
    row.map((lines, column) => (wraps[column] ? wrap(lines, width) : lines.length === 0 ? [""] : [...lines])),
  );
  const widths = header.map((_, column) => Math.max(...cells.map((row) => Math.max(0, ...row[column].map(len)))));
  const box = options.ascii
    ? { h: "-", v: "|", tl: "+", tm: "+", tr: "+", ml: "+", mm: "+", mr: "+", bl: "+", bm: "+", br: "+" }
    : { h: "─", v: "│", tl: "┌", tm: "┬", tr: "┐", ml: "├", mm: "┼", mr: "┤", bl: "└", bm: "┴", br: "┘" };
  const rule = (left: string, middle: string, right: string): string =>
    `${left}${widths.map((w) => box.h.repeat(w + 2)).join(middle)}${right}`;
  const out = [rule(box.tl, box.tm, box.tr)];
  cells.forEach((row, index) => {
    const height = Math.max(...row.map((lines) => lines.length));
    const change = index === 0 ? undefined : rows[index - 1].change;
    const paint = (text: string): string =>
      options.color === true && change !== undefined
        ? `${change === "+" ? ansi.green : ansi.red}${text}${ansi.reset}`
        : text;
    for (let line = 0; line < height; line++) {
      const text = row.map((lines, column) => ` ${pad(lines[line] ?? "", widths[column])} `);
      out.push(`${box.v}${text.map(paint).join(box.v)}${box.v}`);
    }
    out.push(index === cells.length - 1 ? rule(box.bl, box.bm, box.br) : rule(box.ml, box.mm, box.mr));
  });
  return out.join("\n");
}

/** Display width in code points (the cells hold ARNs, names and ASCII punctuation). */
function len(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - len(text)));
}

/** Each line wrapped to `width`: at spaces or after commas when it can, anywhere when it must. */
function wrap(lines: readonly string[], width: number): string[] {
  const out: string[] = [];
  for (const line of lines.length === 0 ? [""] : lines) {
    let rest = line;
    while (len(rest) > width) {
      const head = [...rest].slice(0, width).join("");
      const cut = Math.max(head.lastIndexOf(" "), head.lastIndexOf(","));
      const at = cut > width / 3 ? cut + 1 : width;
      out.push([...rest].slice(0, at).join("").trimEnd());
      rest = `  ${[...rest].slice(at).join("").trimStart()}`;
    }
    out.push(rest);
  }
  return out;
}
