/**
 * The review of a stack as text for a terminal or a CI log (`amp-policy review`), and as JSON for machines
 * (`--format json`).
 */
import { type FormatOptions, formatAccessChange } from "../access";
import { type FailOn, type ResourceReview, type StackReview, reviewFails } from "./preview";

/** Each resource's review as text: a heading line, the verdict and table, the approval digest. */
export function formatReviewText(
  review: StackReview,
  options: FormatOptions & { unchanged?: number; previewErrors?: number } = {},
): string {
  const blocks = review.resources.map((resource) => {
    const where =
      resource.workspaceId !== undefined
        ? `workspace ${resource.workspaceId}`
        : resource.status === "failed"
          ? "a workspace not in the preview"
          : "workspace not known yet";
    const from = resource.previousWorkspaceId === undefined ? "" : ` (from ${resource.previousWorkspaceId})`;
    const what = resource.op === "failed" ? "not planned" : resource.op;
    const lines = [`${resource.label} ${resource.name}: ${what}${from} on ${where}`];
    if (resource.status === "failed") {
      lines.push(`not reviewed: ${resource.reason ?? ""}`);
      if (resource.approvedAccess !== undefined) {
        lines.push(`to approve: approvedAccess: "${resource.approvedAccess}"`);
      }
    } else if (resource.change === undefined) {
      lines.push(
        `access review ${resource.status === "withheld" ? "withheld" : "not possible yet"}: ${resource.reason ?? ""}`,
      );
      if (resource.providerDigest !== undefined) {
        lines.push(`the provider printed access digest: ${resource.providerDigest}`);
      }
    } else {
      lines.push(formatAccessChange(resource.change, options));
      if (resource.approvedAccess !== undefined) {
        lines.push(
          resource.approved
            ? `access digest: ${resource.approvedAccess}, approved by approvedAccess`
            : `access digest: ${resource.approvedAccess} (to approve: approvedAccess: "${resource.approvedAccess}"` +
                `${resource.needsApproval ? `; requireApproval: ${resource.requireApproval} holds this change until then` : ""})`,
        );
      }
    }
    return lines.join("\n");
  });
  if (blocks.length === 0) {
    blocks.push("no ResourcePolicy changes in this preview");
  }
  if ((options.previewErrors ?? 0) > 0) {
    blocks.push(
      `the preview failed (${options.previewErrors} error${options.previewErrors === 1 ? "" : "s"}): the engine stops at an error, so resources it did not reach are not listed`,
    );
  }
  if ((options.unchanged ?? 0) > 0) {
    blocks.push(`${options.unchanged} unchanged`);
  }
  return `${blocks.join("\n\n")}\n`;
}

/** One resource's review in JSON: where and what, then the fields of `amp-policy diff --json`. */
export interface ResourceReviewJson extends Omit<ResourceReview, "change"> {
  /** Whether this resource alone fails the review under `failOn`. */
  fails: boolean;
}

/**
 * The review as JSON: `{ failOn, fails, unchanged, previewErrors, scope, resources: [...] }`, each resource its place (`urn`,
 * `name`, `type`, `op`, `workspaceId`), its `status` (and `reason`), then the `diff --json` fields of its change
 * (`broadening`, `narrowing`, `added`, `removed`, `gains`, `losses`, `summary`, `digest`, `notes`) and
 * `approvedAccess`.
 */
export function reviewJson(review: StackReview, failOn: FailOn, unchanged: number, previewErrors = 0): object {
  const resources = review.resources.map((resource) => {
    const { change, ...rest } = resource;
    return { ...rest, ...change, fails: reviewFails(resource, failOn) };
  });
  const incomplete = previewErrors > 0 && failOn !== "never";
  return {
    failOn,
    fails: incomplete || resources.some((r) => r.fails),
    unchanged,
    previewErrors,
    scope: review.scope,
    resources,
  };
}
