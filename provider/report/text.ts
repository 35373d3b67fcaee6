/**
 * The review of a stack as text for a terminal or a CI log (`amp-policy review`), and as JSON for machines
 * (`--format json`).
 */
import { type FormatOptions, formatAccessChange } from "../access";
import { type FailOn, type ResourceReview, type StackReview, reviewFails } from "./preview";

/** Each resource's review as text: a heading line, the verdict and table, the approval digest. */
export function formatReviewText(review: StackReview, options: FormatOptions & { unchanged?: number } = {}): string {
  const blocks = review.resources.map((resource) => {
    const where = resource.workspaceId === undefined ? "workspace not known yet" : `workspace ${resource.workspaceId}`;
    const from = resource.previousWorkspaceId === undefined ? "" : ` (from ${resource.previousWorkspaceId})`;
    const lines = [`${resource.label} ${resource.name}: ${resource.op}${from} on ${where}`];
    if (resource.change === undefined) {
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
 * The review as JSON: `{ failOn, fails, unchanged, scope, resources: [...] }`, each resource its place (`urn`,
 * `name`, `type`, `op`, `workspaceId`), its `status` (and `reason`), then the `diff --json` fields of its change
 * (`broadening`, `narrowing`, `added`, `removed`, `gains`, `losses`, `summary`, `digest`, `notes`) and
 * `approvedAccess`.
 */
export function reviewJson(review: StackReview, failOn: FailOn, unchanged: number): object {
  const resources = review.resources.map((resource) => {
    const { change, ...rest } = resource;
    return { ...rest, ...change, fails: reviewFails(resource, failOn) };
  });
  return { failOn, fails: resources.some((r) => r.fails), unchanged, scope: review.scope, resources };
}
