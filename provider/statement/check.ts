/**
 * The check of a statement: the one check pipeline of provider/resource/check.ts (validate, review, suppress,
 * redact, log) run over the statement as a one-statement policy `{Version, Statement: [{Sid: sid, ...statement}]}`,
 * with the statement's own properties (`sid`, `statement`) validated first and every message naming them.
 */
import { UNKNOWN, parseDocument } from "../policy";
import { type CheckFailure, type CheckLogger, type CheckRequest, checkResource } from "../resource/check";
import { onePolicyOf } from "./document";

/** IAM's rule for a `Sid`: ASCII letters and digits. */
const sidPattern = /^[A-Za-z0-9]+$/;
/** The longest Sid accepted: it is part of the resource id and of every message. */
const SID_MAX = 128;

/** The note every access review of a statement ends with. */
export const OTHER_STATEMENTS_NOTE =
  "(this review covers this statement alone: what it grants or stops granting. Other statements of the workspace's policy, a Deny above all, may restrict it)";

/**
 * Checks one statement resource: `sid` and `statement` first, then the policy pipeline over the one-statement
 * policy, with its messages naming `statement` and its review noting that other statements may restrict it. Never
 * throws for bad inputs: each problem is a failure naming its property (`sid`, `statement`, `workspaceId`, ...).
 */
export async function checkStatement(
  request: CheckRequest,
  logger: CheckLogger,
): Promise<{ inputs: Record<string, unknown>; failures: CheckFailure[] }> {
  const { news, olds } = request;
  const own = statementFailures(news);
  // A secret statement's policy is built without the sid input (not secret), or redacting the statement's values
  // would redact the Sid wherever it appears in a message ("A" in "Action"). The access digest ignores Sids.
  const secret = request.secretInputs.includes("statement");
  const asPolicy = (inputs: Record<string, unknown>): Record<string, unknown> => ({
    ...inputs,
    policyDocument: onePolicyOf(secret ? undefined : inputs.sid, inputs.statement),
  });
  const checked = await checkResource(
    {
      ...request,
      olds: olds.statement === undefined ? olds : asPolicy(olds),
      news: asPolicy(news),
      // The statement (kept in the inputs as given) for what is redacted, the policy for the review's withholding.
      secretInputs: secret ? [...request.secretInputs, "policyDocument"] : request.secretInputs,
    },
    {
      warning: (message) => (own.length > 0 ? undefined : logger.warning(namingStatement(message))),
      info: (message) =>
        own.length > 0 ? undefined : logger.info(`${namingStatement(message)}\n${OTHER_STATEMENTS_NOTE}`),
    },
  );
  const failures = own.length > 0 ? own : [];
  for (const failure of checked.failures) {
    // The policy's failures repeat what `statementFailures` found, in policy words, when the statement is unreadable.
    if (own.length === 0 || failure.property !== "policyDocument") {
      failures.push(renamed(failure));
    }
  }
  return { inputs: news, failures };
}

/** The failures of `sid` and of the statement's shape (an object, or JSON text of one, whose Sid is `sid`). */
function statementFailures(news: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason: `${property} ${reason}` });
  };
  const sid = news.sid;
  if (sid === undefined || sid === null || sid === "") {
    fail("sid", "is required: the statement's Sid, its identity in the workspace's policy (e.g. AllowTeamA)");
  } else if (typeof sid !== "string") {
    fail("sid", `must be a string, not ${Array.isArray(sid) ? "an array" : typeof sid}`);
  } else if (sid !== UNKNOWN && (!sidPattern.test(sid) || sid.length > SID_MAX)) {
    fail("sid", `${JSON.stringify(sid.slice(0, 80))} is not a valid Sid: 1-${SID_MAX} ASCII letters and digits`);
  }
  const statement = news.statement;
  if (statement === undefined || statement === null || statement === "") {
    fail("statement", "is required: one IAM statement, as an object or JSON text");
    return failures;
  }
  if (statement === UNKNOWN) {
    return failures;
  }
  if (typeof statement !== "string" && (typeof statement !== "object" || Array.isArray(statement))) {
    fail(
      "statement",
      `must be one IAM statement (an object or JSON text), not ${Array.isArray(statement) ? "an array" : typeof statement}`,
    );
    return failures;
  }
  let written: Readonly<Record<string, unknown>>;
  try {
    written = parseDocument(statement).doc;
  } catch (err) {
    fail("statement", `is not a JSON object: ${(err as Error).message}`);
    return failures;
  }
  if ("Statement" in written) {
    fail(
      "statement",
      "is a policy document, not one statement: give the statement alone (without Version and Statement)",
    );
  }
  const writtenSid = written.Sid;
  if (writtenSid !== undefined && writtenSid !== UNKNOWN && writtenSid !== sid) {
    fail(
      "statement",
      `has Sid ${JSON.stringify(writtenSid)}, not the sid input ${JSON.stringify(sid)}: leave Sid out of the statement, or make them equal`,
    );
  }
  return failures;
}

/** A failure of the policy pipeline in the statement's words. */
function renamed(failure: CheckFailure): CheckFailure {
  return failure.property === "policyDocument"
    ? { ...failure, property: "statement", reason: namingStatement(failure.reason) }
    : failure;
}

/** A message about the one-statement policy, naming `statement` (its `Statement[0]`) instead. */
function namingStatement(message: string): string {
  return message.replace(/policyDocument( Statement\[0\])?/g, "statement");
}
