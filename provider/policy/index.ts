/**
 * The policy document model: parse once, validate, canonicalize, compare.
 *
 * - json.ts reads JSON keeping each number's text;
 * - document.ts builds the one typed document every other part reads (and remembers it by its text);
 * - findings.ts validates it into typed findings; redundancy.ts finds what repeats;
 * - canonical.ts gives its canonical form: two documents are equivalent exactly when their canonical forms are
 *   equal. The canonical form is for comparison only; AWS is always sent the user's own document.
 */
export {
  type ConditionValue,
  DEFAULT_PARTITION,
  MAX_POLICY_BYTES,
  POLICY_SIZE_WARNING_BYTES,
  type ParsedPolicy,
  type ParsedStatement,
  type PolicyComparisonOptions,
  type PolicyDocument,
  type PolicyInput,
  type PolicyPrincipal,
  type PolicyStatement,
  SUPPORTED_ACTIONS,
  type Targets,
  UNKNOWN,
  containsUnknown,
  forgetParsedPolicies,
  globMatches,
  parseDocument,
  parsePolicy,
  serializePolicy,
  stringsOf,
} from "./document";
export { JsonNumber, PolicyParseError, documentScans } from "./json";
export {
  FINDING_TYPES,
  type FindingType,
  ISSUE_CODES,
  type IssueCode,
  type PolicyFinding,
  type PolicyValidation,
  suppressFindings,
  validatePolicy,
} from "./findings";
export { canonicalPrincipal, normalizePolicy, policiesEquivalent } from "./canonical";
