/**
 * The access review as one Markdown comment for a pull request: a summary table of the stack, then a heading per
 * resource (name, operation, workspace) with the verdict, the `+`/`-` table, the approval digest and how to
 * approve it, and the notes folded in `<details>`. The comment stays under a size limit (GitHub's 65,536
 * characters) by cutting table rows, then whole sections, and says how many were left out.
 *
 * Every value from a policy is escaped: a condition value cannot open HTML, a table cell, a link or a mention.
 */
import type { AccessChangeRow } from "../access";
import type { ResourceReview } from "./preview";

/** GitHub's limit on the body of an issue or pull-request comment, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** How to render. */
export interface MarkdownOptions {
  /** The title (default `Access review`). */
  title?: string;
  /** A line under the title, e.g. what was reviewed. */
  subtitle?: string;
  /**
   * The longest comment, in UTF-16 code units (at least the characters GitHub counts). Default
   * `GITHUB_COMMENT_LIMIT` less 1,536, room for the marker a sticky-comment action adds.
   */
  maxLength?: number;
  /** A table cell lists at most this many values (principals, actions, condition lines). Default 30. */
  maxCellValues?: number;
  /** Resources whose change is not reviewed in the source the comment comes from, e.g. unchanged ones. */
  unchanged?: number;
  /** The command that prints everything, for the line that says what was left out. */
  fullCommand?: string;
  /** How many errors the preview reported (it may lack the resources after the first). */
  previewErrors?: number;
}

/** The review of each resource as one Markdown comment, within `options.maxLength`. */
export function formatMarkdown(reviews: readonly ResourceReview[], options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? GITHUB_COMMENT_LIMIT - 1_536;
  const sections = reviews.map((review) => prepareSection(review, options.maxCellValues ?? 30));
  const tryRender = (rowLimit: number, sectionLimit: number, summaryLimit: number) =>
    render(reviews, sections, options, { rowLimit, sectionLimit, summaryLimit });

  const text = tryRender(Infinity, Infinity, Infinity);
  if (text.length <= maxLength) {
    return text;
  }
  // The most rows per table that fit; else fewer sections (the rest only in the summary table); else fewer
  // summary rows. Each is the largest count that fits, found by bisection (a render is linear in the rows).
  const fit = (attempt: (n: number) => string, max: number): { n: number; text: string } | undefined => {
    let low = 0;
    let high = max;
    let best: { n: number; text: string } | undefined;
    while (low <= high) {
      const mid = Math.floor((low + high) / 2);
      const candidate = attempt(mid);
      if (candidate.length <= maxLength) {
        best = { n: mid, text: candidate };
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return best;
  };
  const byRows = fit((n) => tryRender(n, Infinity, Infinity), Math.max(0, ...sections.map((s) => s.rows.length)));
  if (byRows !== undefined) {
    return byRows.text;
  }
  const bySections = fit((n) => tryRender(0, n, Infinity), reviews.length);
  if (bySections !== undefined) {
    return bySections.text;
  }
  const bySummary = fit((n) => tryRender(0, 0, n), reviews.length);
  return bySummary?.text ?? tryRender(0, 0, 0).slice(0, maxLength);
}

interface Limits {
  /** Table rows shown per resource. */
  rowLimit: number;
  /** Resources given a section of their own. */
  sectionLimit: number;
  /** Resources listed in the summary table. */
  summaryLimit: number;
}

interface PreparedSection {
  rows: string[];
  header: string;
  notes: string[];
}

function prepareSection(review: ResourceReview, maxCellValues: number): PreparedSection {
  const change = review.change;
  const rows: AccessChangeRow[] = change === undefined ? [] : [...change.removed, ...change.added];
  const hasSid = rows.some((row) => row.sid !== "");
  const columns = ["", "Effect", "Action", "Principal", "Condition", ...(hasSid ? ["Sid"] : [])];
  const header = `| ${columns.join(" | ")} |\n|${columns.map(() => "---").join("|")}|`;
  const cell = (values: readonly string[]) => {
    const shown = values.slice(0, maxCellValues).map(escapeMarkdown);
    if (values.length > maxCellValues) {
      shown.push(`… and ${values.length - maxCellValues} more`);
    }
    return shown.join("<br>");
  };
  const notes: string[] = [];
  for (const row of rows) {
    for (const note of row.notes) {
      notes.push(
        `${row.change} ${row.sid === "" ? "statement" : `\`${escapeCode(row.sid)}\``}: ${escapeMarkdown(note)}`,
      );
    }
  }
  for (const note of change?.notes ?? []) {
    notes.push(escapeMarkdown(note));
  }
  return {
    header,
    notes,
    rows: rows.map((row) =>
      [
        "",
        row.change === "+" ? "**+**" : "**-**",
        row.effect,
        cell(row.actions),
        cell(row.principals),
        cell(row.conditions),
        ...(hasSid ? [cell([row.sid])] : []),
        "",
      ]
        .join(" | ")
        .trim(),
    ),
  };
}

function render(
  reviews: readonly ResourceReview[],
  sections: readonly PreparedSection[],
  options: MarkdownOptions,
  limits: Limits,
): string {
  const out: string[] = [`## ${options.title ?? "Access review"}`, ""];
  if (options.subtitle !== undefined) {
    out.push(options.subtitle, "");
  }
  out.push(tally(reviews, options.unchanged ?? 0), "");
  if ((options.previewErrors ?? 0) > 0) {
    out.push(
      `> **The preview failed** (${count(options.previewErrors ?? 0, "error")}): the engine stops at an error, so resources it did not reach are not listed.`,
      "",
    );
  }
  const leftOut = { rows: 0, sections: 0, summary: 0 };
  if (reviews.length > 1 || limits.sectionLimit < reviews.length) {
    out.push("| Resource | Operation | Workspace | Access |", "|---|---|---|---|");
    reviews.forEach((review, i) => {
      if (i < limits.summaryLimit) {
        out.push(
          `| \`${escapeCode(review.name)}\` | ${opText(review)} | ${workspaceText(review)} | ${verdictWord(review)} |`,
        );
      } else {
        leftOut.summary++;
      }
    });
    out.push("");
  }
  reviews.forEach((review, i) => {
    if (i >= limits.sectionLimit) {
      leftOut.sections++;
      return;
    }
    const section = sections[i];
    out.push(`### \`${escapeCode(review.name)}\`: ${opText(review)} on ${workspaceText(review)}`, "");
    out.push(verdictLine(review), "");
    if (section.rows.length > 0) {
      const shown = section.rows.slice(0, limits.rowLimit);
      if (shown.length > 0) {
        out.push(section.header, ...shown, "");
      }
      if (shown.length < section.rows.length) {
        leftOut.rows += section.rows.length - shown.length;
        out.push(`_${count(section.rows.length - shown.length, "more row")} of this table left out._`, "");
      }
    }
    const approval = approvalText(review);
    if (approval !== undefined) {
      out.push(approval, "");
    }
    if (section.notes.length > 0) {
      const shown = section.notes.slice(0, limits.rowLimit === Infinity ? Infinity : limits.rowLimit);
      out.push(`<details><summary>Notes (${section.notes.length})</summary>`, "");
      out.push(...shown.map((note) => `- ${note}`));
      if (shown.length < section.notes.length) {
        out.push(`- _${count(section.notes.length - shown.length, "more note")} left out_`);
      }
      out.push("", "</details>", "");
    }
  });
  if (leftOut.rows + leftOut.sections + leftOut.summary > 0) {
    const parts = [
      leftOut.rows > 0 ? count(leftOut.rows, "table row") : "",
      leftOut.sections > 0 ? `the sections of ${count(leftOut.sections, "resource")}` : "",
      leftOut.summary > 0 ? `${count(leftOut.summary, "resource")} from the summary` : "",
    ].filter((part) => part !== "");
    const how = options.fullCommand === undefined ? "" : ` Run \`${options.fullCommand}\` for the whole review.`;
    out.push(
      `> **Left out to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")}-character comment limit:** ${parts.join(", ")}.${how}`,
      "",
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function tally(reviews: readonly ResourceReview[], unchanged: number): string {
  const broaden = reviews.filter((r) => r.change?.broadening === true).length;
  const narrowOnly = reviews.filter((r) => r.change?.narrowing === true && !r.change.broadening).length;
  const notReviewed = reviews.filter((r) => r.change === undefined).length;
  const parts = [
    broaden > 0 ? `**${broaden.toLocaleString("en-US")} broaden${broaden === 1 ? "s" : ""} access**` : "",
    narrowOnly > 0 ? `${narrowOnly.toLocaleString("en-US")} narrow${narrowOnly === 1 ? "s" : ""} access` : "",
    notReviewed > 0 ? `**${notReviewed.toLocaleString("en-US")} not reviewed here**` : "",
    unchanged > 0 ? `${unchanged.toLocaleString("en-US")} unchanged` : "",
  ].filter((part) => part !== "");
  const changes = count(reviews.length, "policy change");
  return parts.length === 0 ? `${changes}: no change in access.` : `${changes}: ${parts.join(", ")}.`;
}

function opText(review: ResourceReview): string {
  if (review.op === "failed") {
    return "not planned";
  }
  return review.previousWorkspaceId === undefined
    ? review.op
    : `${review.op} (from ${`\`${escapeCode(review.previousWorkspaceId)}\``})`;
}

function workspaceText(review: ResourceReview): string {
  if (review.workspaceId === undefined) {
    return review.status === "failed" ? "_workspace not in the preview_" : "_workspace not known yet_";
  }
  return `\`${escapeCode(review.workspaceId)}\``;
}

function verdictWord(review: ResourceReview): string {
  const change = review.change;
  if (change === undefined) {
    return review.status === "withheld"
      ? "**withheld** (secret)"
      : review.status === "failed"
        ? "**preview failed**"
        : "**not known yet**";
  }
  if (change.broadening && change.narrowing) {
    return "**broadens and narrows**";
  }
  return change.broadening ? "**broadens**" : change.narrowing ? "narrows" : "no change";
}

function verdictLine(review: ResourceReview): string {
  if (review.change === undefined) {
    const what =
      review.status === "withheld"
        ? "Access review withheld"
        : review.status === "failed"
          ? "Not reviewed"
          : "Access review not possible yet";
    const printed =
      review.providerDigest === undefined
        ? ""
        : ` The provider printed the access digest \`${review.providerDigest}\` for it in this preview.`;
    return `**${what}:** ${escapeMarkdown(review.reason ?? "")}.${printed}`;
  }
  const summary = escapeMarkdown(review.change.summary);
  return review.change.broadening ? `**${summary}**` : summary;
}

function approvalText(review: ResourceReview): string | undefined {
  if (review.status === "failed" && review.approvedAccess !== undefined) {
    return (
      `The \`requireApproval\` gate holds this change: to approve exactly the access it grants, set ` +
      `\`approvedAccess: "${review.approvedAccess}"\` on \`${escapeCode(review.name)}\`.`
    );
  }
  if (review.approvedAccess === undefined || review.change === undefined) {
    return review.op === "delete" && review.change !== undefined
      ? "A delete needs no approval: the `requireApproval` gate runs on writes."
      : undefined;
  }
  const digest = `\`${review.approvedAccess}\``;
  if (review.approved) {
    return `Approval digest: ${digest}, **approved** by this resource's \`approvedAccess\`.`;
  }
  const gate = review.needsApproval
    ? `Its \`requireApproval: ${review.requireApproval}\` holds this change until it is approved`
    : review.requireApproval === "never"
      ? "With `requireApproval: broadening` (or `any-change`) on the resource, the provider holds such a change until it is approved"
      : `Its \`requireApproval: ${review.requireApproval}\` does not hold this change`;
  return (
    `Approval digest: ${digest}. ${gate}: to approve exactly this access, set ` +
    `\`approvedAccess: "${review.approvedAccess}"\` on ${review.urn === "" ? "the resource" : `\`${escapeCode(review.name)}\``} ` +
    "(it stops matching as soon as the policy grants anything else)."
  );
}

function count(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

/** Text safe in Markdown and in a table cell: no HTML, no emphasis, links, cells or mentions of its own. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/([\\`*_{}[\]()#+!|~])/g, "\\$1")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "&#64;")
    .replace(/\r?\n/g, "<br>");
}

/** Text for inside a code span: backticks and cell separators cannot end it. */
function escapeCode(text: string): string {
  return text.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
