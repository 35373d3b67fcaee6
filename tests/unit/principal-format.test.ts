import assert from "node:assert/strict";

import { UNKNOWN, validatePolicy } from "../../provider/policy";

const WS = "ws-12345678-abcd-1234-abcd-123456789012";

/** The principal findings of a one-statement policy that lets `principal` remote-write. */
function principalFindings(principal: unknown): string[] {
  const { findings } = validatePolicy(
    { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "aps:RemoteWrite" }] },
    WS,
  );
  return findings.filter((f) => f.issueCode === "INVALID_PRINCIPAL").map((f) => `${f.findingType} ${f.message}`);
}

describe("validatePolicy: the form of an AWS principal (IAM: an account id, an IAM or STS ARN, a unique id, or *)", () => {
  it("accepts the forms IAM documents for the AWS principal type", () => {
    for (const aws of [
      "*",
      "111122223333",
      "arn:aws:iam::111122223333:root",
      "arn:aws:iam::111122223333:user/team/alice",
      "arn:aws:iam::111122223333:role/prometheus-writer",
      "arn:aws:sts::111122223333:assumed-role/writer/session",
      "arn:aws:sts::111122223333:federated-user/bob",
      "arn:aws-cn:iam::111122223333:root",
      "arn:aws-us-gov:iam::111122223333:role/x",
      "AROAEXAMPLEID1234567",
      "AIDAJQABLZS4A3QDU576Q",
      UNKNOWN,
    ]) {
      assert.deepEqual(principalFindings({ AWS: aws }), [], aws);
      assert.deepEqual(principalFindings({ AWS: [aws] }), [], `[${aws}]`);
    }
  });

  it("fails a number YAML wrote in exponent form, naming the path, the value and the fix", () => {
    assert.deepEqual(principalFindings({ AWS: "1.11122223333e+11" }), [
      'ERROR Statement[0].Principal.AWS "1.11122223333e+11" is not an account id (12 digits), an IAM or STS ARN, a unique id or "*": it looks like a number written in exponent form (a YAML or JSON number loses an account id\'s digits): quote the account id',
    ]);
  });

  it("fails an account id of the wrong length, an ARN of another service and a name, each by value", () => {
    const findings = principalFindings({
      AWS: ["11112222333", "arn:aws:s3:::bucket", "alice", "arn:aws:iam::1111:root"],
    });
    assert.equal(findings.length, 4, findings.join("\n"));
    for (const [i, value] of ["11112222333", "arn:aws:s3:::bucket", "alice", "arn:aws:iam::1111:root"].entries()) {
      assert.match(
        findings[i],
        new RegExp(
          `^ERROR Statement\\[0\\]\\.Principal\\.AWS\\[${i}\\] "${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" is not an account id`,
        ),
      );
    }
  });
});
