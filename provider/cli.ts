/**
 * `amp-policy`: the access model and the policy checks for pipelines and editors, without Pulumi.
 *
 *   amp-policy diff <before> <after>            who gains and who loses access
 *   amp-policy diff --stack-state <file> <after> the same, against a resource's policy in `pulumi stack export`
 *   amp-policy explain <policy>                 who can do what
 *   amp-policy validate <policy>                findings, as IAM Access Analyzer's ValidatePolicy shapes them
 *   amp-policy validate --format sarif <policy> the same as SARIF 2.1.0, for GitHub code scanning
 *   amp-policy review --preview <file>          every ResourcePolicy change of a `pulumi preview --json`
 *
 * Exit codes: 0 fine; 2 the change broadens access (diff, review), a change review could not review, or a finding
 * at or above the threshold (validate); 1 bad input or usage, with a one-line message, never a stack trace.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import {
  type AccessExplanation,
  type AccessOptions,
  type AccessRow,
  type FormatOptions,
  accessChange,
  explainAccess,
  formatAccessChange,
  formatAccessExplanation,
} from "./access";
import {
  FINDING_TYPES,
  type FindingType,
  ISSUE_CODES,
  PolicyParseError,
  parsePolicy,
  suppressFindings,
  validatePolicy,
} from "./policy";
import { formatMarkdown } from "./report/markdown";
import {
  type FailOn,
  type PreviewScope,
  PreviewError,
  type ResourceReview,
  readPreview,
  reviewFails,
  reviewPreview,
  reviewedType,
  scopeFromConfig,
} from "./report/preview";
import { formatReviewText, reviewJson } from "./report/text";
import { sarifLog } from "./report/sarif";
import { approvalDigest, changesAccess, partitionOf } from "./review";

/** The usage text. */
export const USAGE = `Usage: amp-policy <command> [options]

Reviews the resource policy of an Amazon Managed Service for Prometheus (AMP) workspace, offline.

Commands:
  diff <before> <after>     who gains and who loses access from <before> to <after>
                            exit 2 when <after> allows a request <before> did not (broadening)
  explain <policy>          who can do what: each statement as principals, actions, conditions; then the
                            statements by Sid (who owns what, e.g. on a workspace shared by many stacks)
                            and the digest
  validate <policy>         findings (ERROR, SECURITY_WARNING, WARNING, SUGGESTION) with their issue codes
                            exit 2 when a finding is at or above --fail-on
  review --preview <file>   every ResourcePolicy change in the output of \`pulumi preview --json\` (- for
                            standard input): create, update, replace, delete, each reviewed like diff, with
                            the approvedAccess digest the provider's gate takes; exit 2 when one broadens
                            access, or when one cannot be reviewed here (a secret or a value not known yet)

A policy is a file of JSON, or - for standard input. An empty file (e.g. /dev/null) is no policy: use it
as <before> for a create or as <after> for a delete.

Options:
  --workspace <id>          the workspace id: a statement whose Resource names another workspace grants
                            nothing (default: unknown, such statements are kept; with --stack-state, the
                            resource's workspaceId)
  --partition <name>        the workspace's partition: a bare account id is its root there (default: the
                            partition of --region, else aws)
  --region <region>         the workspace's region: a Resource in another region names another workspace
                            (review: default the stack config's amp-resource-policy:region, else aws:region)
  --account <id>            the workspace's account: a Resource in another account names another workspace
                            (default: unknown, such a statement's effect is uncertain; review: the stack
                            config's amp-resource-policy:accountId)
  --stack-state <file>      diff only: take <before> from a ResourcePolicy in this \`pulumi stack export\` file
  --resource <name|urn>     diff only: which ResourcePolicy of the stack state, when it holds several
  --fail-on <level>         diff, review: broadening (default), any-change, never
                            validate: ERROR, SECURITY_WARNING (default), WARNING, SUGGESTION, never
  --ignore-finding <code>   validate only: leave out findings with this issue code (repeatable, or comma-separated);
                            an ERROR cannot be left out
  --format <format>         text (default); json for machines; markdown (diff, review) for a pull-request
                            comment, kept under GitHub's 65,536-character limit; sarif (validate) for GitHub
                            code scanning, SARIF 2.1.0 with each finding at its line and column in the file
  --json                    the same as --format json
  --color, --no-color       ANSI colour (default: when standard output is a terminal and NO_COLOR is unset)
  --ascii                   plain ASCII table borders
  --help                    print this text

With --workspace (and --region, --account as the provider knows them), diff and explain also print the
approvedAccess value that approves the new access on that workspace.

Exit codes: 0 no broadening / no finding at or above the threshold; 2 broadening / such findings (review: also a
change it could not review, or a failed preview, unless --fail-on never); 1 bad input.`;

/** One statement of a policy by its Sid: who owns what on a workspace whose statements many stacks own. */
export interface StatementOwner {
  /** The statement's Sid (the id of a `ResourcePolicyStatement` is `<workspaceId>/<sid>`), or null when it has none. */
  sid: string | null;
  effect: "Allow" | "Deny";
  /** Who, as the access table shows them. */
  principals: string[];
  /** The Prometheus-compatible actions covered, as the access table shows them. */
  actions: string[];
}

/** The statements of an explanation (one row each) by Sid, in Sid order; those without a Sid last, in policy order. */
export function statementsBySid(rows: readonly AccessRow[]): StatementOwner[] {
  const owners = rows.map((row) => ({
    sid: row.sid === "" ? null : row.sid,
    effect: row.effect,
    principals: row.principals.map((p) => p.trim()),
    actions: row.actions,
  }));
  const rank = (owner: StatementOwner) => (owner.sid === null ? 1 : 0);
  return owners.sort(
    (a, b) => rank(a) - rank(b) || (a.sid === null || b.sid === null ? 0 : a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0),
  );
}

/** The explanation's table, then one line per statement by Sid (when there are statements), then the digest. */
function formatExplanationWithOwners(
  explanation: AccessExplanation,
  owners: readonly StatementOwner[],
  format: FormatOptions,
): string {
  const text = formatAccessExplanation(explanation, format);
  if (owners.length === 0) {
    return text;
  }
  const cells = owners.map((o) => [o.sid ?? "(no Sid)", o.effect, o.principals.join(", "), o.actions.join(", ")]);
  const widths = [0, 1, 2].map((column) => Math.max(...cells.map((row) => row[column].length)));
  const lines = cells.map((row) => `  ${row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]) : cell)).join("  ")}`);
  const digestAt = text.lastIndexOf("\naccess digest:");
  return `${text.slice(0, digestAt)}\nstatements by Sid (who owns what):\n${lines.join("\n")}${text.slice(digestAt)}`;
}

/** Where the command reads and writes: the process's own streams, or a test's. */
export interface CliIo {
  readStdin(): string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether standard output is a terminal. */
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

/** Bad input or usage: printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

/** Runs the command line; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`amp-policy: ${err.message}\n`);
      return 1;
    }
    if (err instanceof PreviewError) {
      io.stderr(`amp-policy: ${err.message}\n`);
      return 1;
    }
    if (err instanceof PolicyParseError) {
      io.stderr(`amp-policy: the policy ${err.message}\n`);
      return 1;
    }
    io.stderr(`amp-policy: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    // parseArgs explains how to pass an argument that starts with "-": keep only what is wrong.
    const message = (err as Error).message.split(". ")[0].replace(/^Unknown option '([^']*)'$/, "unknown option $1");
    throw new CliError(`${message} (see amp-policy --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const [command, ...args] = positionals;
  const color = values.color ?? (io.isTTY && !io.env.NO_COLOR);
  const format = { color, ascii: values.ascii === true };
  if (values.partition !== undefined && !/^aws(?:-[a-z]+)*$/.test(values.partition)) {
    throw new CliError(
      `--partition must be an AWS partition name (aws, aws-cn, aws-us-gov, ...), not "${values.partition}"`,
    );
  }
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) {
    throw new CliError(`--account must be a 12-digit AWS account id, not "${values.account}"`);
  }
  if (values.region !== undefined && !/^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(values.region)) {
    throw new CliError(`--region must be an AWS region (e.g. us-east-1, cn-north-1), not "${values.region}"`);
  }
  const options: AccessOptions = {
    workspaceId: values.workspace,
    partition: values.partition ?? partitionOf(values.region),
    region: values.region,
    accountId: values.account,
  };
  const outputFormat = formatOf(command, values.format, values.json === true);
  const json = outputFormat === "json";
  const only = (allowed: string[]): void => {
    for (const name of ["stack-state", "resource", "ignore-finding", "preview"] as const) {
      if (values[name] !== undefined && !allowed.includes(name)) {
        throw new CliError(`--${name} applies only to ${ONLY_FOR[name]}`);
      }
    }
  };

  switch (command) {
    case "diff": {
      only(["stack-state", "resource"]);
      const failOn = failOnOf(values["fail-on"], "diff");
      let before: unknown;
      let after: unknown;
      if (values["stack-state"] !== undefined) {
        expectArgs(args, 1, "diff --stack-state <file> <after>");
        const found = fromStackState(values["stack-state"], values.resource, io);
        before = found.policy;
        options.workspaceId ??= found.workspaceId;
        after = readPolicy(args[0], io);
      } else {
        if (values.resource !== undefined) {
          throw new CliError("--resource needs --stack-state");
        }
        expectArgs(args, 2, "diff <before> <after>");
        if (args[0] === "-" && args[1] === "-") {
          throw new CliError("only one of <before> and <after> can be - (standard input)");
        }
        before = readPolicy(args[0], io);
        after = readPolicy(args[1], io);
      }
      const change = accessChange(before, after, options);
      const approval = approvalLine(change.digest, options, values.workspace !== undefined);
      if (outputFormat === "markdown") {
        io.stdout(formatMarkdown([diffAsReview(args, before, after, change, options, approval?.json.approvedAccess)]));
      } else {
        io.stdout(
          json
            ? `${JSON.stringify({ ...change, ...approval?.json }, null, 2)}\n`
            : `${formatAccessChange(change, format)}\n${approval?.text ?? ""}`,
        );
      }
      const fails = failOn === "broadening" ? change.broadening : failOn === "any-change" && changesAccess(change);
      return fails ? 2 : 0;
    }
    case "explain": {
      only([]);
      expectArgs(args, 1, "explain <policy>");
      const policy = readPolicy(args[0], io);
      const explanation = explainAccess(policy, options);
      const owners = statementsBySid(explanation.rows);
      const approval = approvalLine(explanation.digest, options, values.workspace !== undefined);
      io.stdout(
        json
          ? `${JSON.stringify({ ...explanation, statements: owners, ...approval?.json }, null, 2)}\n`
          : `${formatExplanationWithOwners(explanation, owners, format)}\n${approval?.text ?? ""}`,
      );
      return 0;
    }
    case "validate": {
      only(["ignore-finding"]);
      expectArgs(args, 1, "validate <policy>");
      const failOn = (values["fail-on"] ?? "SECURITY_WARNING").toUpperCase();
      if (failOn !== "NEVER" && !(FINDING_TYPES as readonly string[]).includes(failOn)) {
        throw new CliError(
          `--fail-on for validate must be one of ${FINDING_TYPES.join(", ")} or never, not "${failOn}"`,
        );
      }
      const text = readText(args[0], io);
      if (text.trim() === "") {
        throw new CliError(`${label(args[0])} is empty: there is no policy to validate`);
      }
      const ignored = (values["ignore-finding"] ?? []).flatMap((codes) => codes.split(",")).map((c) => c.trim());
      const unknownCodes = ignored.filter((code) => !(code.toUpperCase() in ISSUE_CODES));
      if (unknownCodes.length > 0) {
        throw new CliError(
          `--ignore-finding: no issue code ${unknownCodes.join(", ")} (codes: ${Object.keys(ISSUE_CODES).join(", ")})`,
        );
      }
      const findings = suppressFindings(validatePolicy(text, options.workspaceId).findings, ignored);
      const threshold = failOn === "NEVER" ? -1 : FINDING_TYPES.indexOf(failOn as FindingType);
      const blocking = findings.filter((finding) => FINDING_TYPES.indexOf(finding.findingType) <= threshold);
      if (outputFormat === "sarif") {
        io.stdout(`${JSON.stringify(sarifLog({ path: args[0], text, findings }), null, 2)}\n`);
      } else if (json) {
        io.stdout(`${JSON.stringify({ findings, failOn, blocking: blocking.length }, null, 2)}\n`);
      } else {
        for (const finding of findings) {
          const at = finding.path === "" ? "" : ` at ${finding.path}`;
          // Messages follow the property they are about: "Statement[0] has no Effect", "has no Version".
          const subject = /^[A-Z]/.test(finding.message) ? "" : "the policy ";
          io.stdout(`${finding.findingType} ${finding.issueCode}${at}: ${subject}${finding.message}\n`);
        }
        io.stdout(
          findings.length === 0
            ? "no findings\n"
            : `${count(findings.length, "finding")}, ${blocking.length} at or above ${failOn === "NEVER" ? "the threshold (never)" : failOn}\n`,
        );
      }
      return blocking.length > 0 ? 2 : 0;
    }
    case "review": {
      only(["preview"]);
      if (values.workspace !== undefined) {
        throw new CliError("--workspace does not apply to review: each resource's workspaceId is its workspace");
      }
      if (values.preview === undefined) {
        throw new CliError(
          "review needs --preview <file>: the output of `pulumi preview --json` (- for standard input)",
        );
      }
      expectArgs(args, 0, "review --preview <file>");
      const failOn = failOnOf(values["fail-on"], "review");
      const preview = readPreview(readText(values.preview, io), label(values.preview));
      // The command line's workspace settings win over the stack config's, one by one.
      const fromConfig = scopeFromConfig(preview.config);
      const region = values.region ?? fromConfig.region;
      const scope: PreviewScope = {
        ...fromConfig,
        region,
        partition: values.partition ?? partitionOf(region) ?? fromConfig.partition,
        accountId: values.account ?? fromConfig.accountId,
      };
      const review = reviewPreview(preview, scope);
      const fullCommand = `amp-policy review --preview ${values.preview === "-" ? "preview.json" : values.preview}`;
      io.stdout(
        outputFormat === "markdown"
          ? formatMarkdown(review.resources, {
              title: "AMP resource policy review",
              unchanged: preview.otherSteps,
              previewErrors: preview.errors,
              fullCommand,
            })
          : json
            ? `${JSON.stringify(reviewJson(review, failOn, preview.otherSteps, preview.errors), null, 2)}\n`
            : formatReviewText(review, { ...format, unchanged: preview.otherSteps, previewErrors: preview.errors }),
      );
      // A failed preview may lack resources the engine did not reach: it cannot show that nothing broadens.
      const incomplete = preview.errors > 0 && failOn !== "never";
      return incomplete || review.resources.some((resource) => reviewFails(resource, failOn)) ? 2 : 0;
    }
    case undefined:
      throw new CliError("a command is required: diff, explain, validate or review (see amp-policy --help)");
    default:
      throw new CliError(`unknown command "${command}": use diff, explain, validate or review (see amp-policy --help)`);
  }
}

function parse(argv: readonly string[]) {
  const result = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      workspace: { type: "string" },
      partition: { type: "string" },
      region: { type: "string" },
      account: { type: "string" },
      "stack-state": { type: "string" },
      resource: { type: "string" },
      "fail-on": { type: "string" },
      "ignore-finding": { type: "string", multiple: true },
      preview: { type: "string" },
      format: { type: "string" },
      json: { type: "boolean" },
      color: { type: "boolean" },
      "no-color": { type: "boolean" },
      ascii: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  // Node 20's parseArgs has no negated options: --no-color is an option of its own.
  if (result.values["no-color"] === true) {
    result.values.color = false;
  }
  return result;
}

/** The output formats of each command; the first is the default. */
const FORMATS: Record<string, readonly string[]> = {
  diff: ["text", "json", "markdown"],
  explain: ["text", "json"],
  validate: ["text", "json", "sarif"],
  review: ["text", "json", "markdown"],
};

/** The command each command-specific option belongs to. */
const ONLY_FOR = { "stack-state": "diff", resource: "diff", "ignore-finding": "validate", preview: "review" } as const;

/** The output format: `--format`, or `--json` (an alias of `--format json`), checked against the command's. */
function formatOf(command: string | undefined, format: string | undefined, json: boolean): string {
  const allowed = FORMATS[command ?? ""] ?? ["text", "json"];
  if (format === undefined) {
    return json ? "json" : allowed[0];
  }
  if (json && format !== "json") {
    throw new CliError(`--json is --format json: it cannot go with --format ${format}`);
  }
  if (!allowed.includes(format)) {
    throw new CliError(`--format for ${command ?? "this command"} must be ${orList(allowed)}, not "${format}"`);
  }
  return format;
}

function failOnOf(value: string | undefined, command: string): FailOn {
  const failOn = value ?? "broadening";
  if (!["broadening", "any-change", "never"].includes(failOn)) {
    throw new CliError(`--fail-on for ${command} must be broadening, any-change or never, not "${failOn}"`);
  }
  return failOn as FailOn;
}

function orList(items: readonly string[]): string {
  return items.length === 1 ? items[0] : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** A `diff` as the review of one resource, for the Markdown comment. */
function diffAsReview(
  files: readonly string[],
  before: unknown,
  after: unknown,
  change: ReturnType<typeof accessChange>,
  options: AccessOptions,
  approvedAccess: string | undefined,
): ResourceReview {
  const names = files.length === 2 ? `${label(files[0])} → ${label(files[1])}` : label(files[0]);
  return {
    urn: "",
    name: names,
    type: "",
    label: "policy",
    op: before === undefined ? "create" : after === undefined ? "delete" : "update",
    workspaceId: options.workspaceId,
    status: "reviewed",
    change,
    approvedAccess,
    requireApproval: "never",
    approved: false,
    needsApproval: false,
  };
}

/**
 * The `approvedAccess` value for the workspace of `options` (the provider's gate binds an approval to its
 * workspace): printed only when `--workspace` names it.
 */
function approvalLine(
  accessDigest: string,
  options: AccessOptions,
  explicitWorkspace: boolean,
): { text: string; json: { approvedAccess: string } } | undefined {
  if (options.workspaceId === undefined || !explicitWorkspace) {
    return undefined;
  }
  const approval = approvalDigest(accessDigest, options);
  return {
    text: `approvedAccess for workspace ${options.workspaceId}: ${approval}\n`,
    json: { approvedAccess: approval },
  };
}

function expectArgs(args: readonly string[], n: number, usage: string): void {
  if (args.length !== n) {
    throw new CliError(`expected ${usage}, got ${count(args.length, "argument")} (see amp-policy --help)`);
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function label(path: string): string {
  return path === "-" ? "standard input" : path;
}

function readText(path: string, io: CliIo): string {
  if (path === "-") {
    return io.readStdin();
  }
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (err as Error).message;
    throw new CliError(`cannot read ${path}: ${why}`);
  }
}

/** A policy file: `undefined` when empty (no policy); the document otherwise, checked the way the provider checks it. */
function readPolicy(path: string, io: CliIo): unknown {
  const text = readText(path, io);
  if (text.trim() === "") {
    return undefined;
  }
  try {
    parsePolicy(text);
  } catch (err) {
    if (err instanceof PolicyParseError) {
      throw new CliError(`${label(path)} is not a policy: it ${err.message}`);
    }
    throw err;
  }
  const { errors } = validatePolicy(text);
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${count(errors.length - 1, "more problem")}; see amp-policy validate)` : "";
    throw new CliError(`${label(path)} is not a valid policy: the document ${errors[0]}${more}`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// pulumi stack export

interface StateResource {
  urn: string;
  name: string;
  workspaceId?: string;
  policy: unknown;
}

/** The policy of one ResourcePolicy in a `pulumi stack export` file. */
function fromStackState(path: string, selector: string | undefined, io: CliIo): StateResource {
  const text = readText(path, io);
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (err) {
    throw new CliError(
      `${label(path)} is not JSON (${(err as Error).message}); expected \`pulumi stack export\` output`,
    );
  }
  const deployment = (state as { deployment?: { resources?: unknown } } | null)?.deployment;
  if (!Array.isArray(deployment?.resources)) {
    throw new CliError(`${label(path)} has no deployment.resources; expected \`pulumi stack export\` output`);
  }
  const candidates: StateResource[] = [];
  for (const resource of deployment.resources as unknown[]) {
    if (typeof resource !== "object" || resource === null) {
      continue;
    }
    const r = resource as { urn?: unknown; type?: unknown; outputs?: Record<string, unknown>; delete?: unknown };
    if (typeof r.urn !== "string" || reviewedType(r.type)?.label !== "ResourcePolicy" || r.delete === true) {
      continue;
    }
    const outputs = r.outputs ?? {};
    if (outputs.policyDocument === undefined || outputs.workspaceId === undefined) {
      continue;
    }
    const name = r.urn.split("::").pop() ?? r.urn;
    candidates.push({
      urn: r.urn,
      name,
      workspaceId: typeof outputs.workspaceId === "string" ? outputs.workspaceId : undefined,
      policy: unwrapSecret(outputs.policyDocument, name),
    });
  }
  const names = candidates.map((c) => c.name).join(", ");
  if (selector !== undefined) {
    const matches = candidates.filter((c) => c.urn === selector || c.name === selector);
    if (matches.length === 0) {
      throw new CliError(
        `${label(path)} has no ResourcePolicy named "${selector}"${candidates.length > 0 ? ` (it has: ${names})` : ""}`,
      );
    }
    if (matches.length > 1) {
      throw new CliError(`${label(path)} has several resources named "${selector}": give the URN with --resource`);
    }
    return matches[0];
  }
  if (candidates.length === 0) {
    throw new CliError(`${label(path)} holds no ResourcePolicy with a policyDocument`);
  }
  if (candidates.length > 1) {
    throw new CliError(`${label(path)} holds several ResourcePolicy resources (${names}): choose one with --resource`);
  }
  return candidates[0];
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function unwrapSecret(value: unknown, name: string): unknown {
  if (typeof value === "object" && value !== null && SECRET_SIG in value) {
    const secret = value as { plaintext?: unknown };
    if (typeof secret.plaintext !== "string") {
      throw new CliError(
        `the policyDocument of ${name} is a secret in this state: export it with \`pulumi stack export --show-secrets\``,
      );
    }
    try {
      return JSON.parse(secret.plaintext) as unknown;
    } catch {
      throw new CliError(`the policyDocument of ${name} is a secret whose plaintext is not JSON`);
    }
  }
  return value;
}

function processIo(): CliIo {
  let readerGone = false;
  // A reader that stops early (`amp-policy diff ... | head`) closes the pipe: the rest of the output has nowhere
  // to go, and the exit code (the verdict) is what still matters.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") {
      throw err;
    }
    readerGone = true;
  });
  return {
    readStdin: () => readFileSync(0, "utf8"),
    stdout: (text) => {
      if (!readerGone) {
        process.stdout.write(text);
      }
    },
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
