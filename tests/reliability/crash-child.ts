/**
 * One lifecycle operation in a process of its own, for crash.test.ts to kill between the write and the wait:
 * `node -r ts-node/register crash-child.ts <create|update|delete> <arguments as JSON>`. The emulator and the
 * credentials come from the standard AWS env vars. Prints `done` if it ever finishes.
 */
import * as lifecycle from "../../provider/lifecycle";

interface Arguments {
  inputs: lifecycle.ResourcePolicyInputs;
  state?: lifecycle.ResourcePolicyState;
}

async function main(): Promise<void> {
  const [op, json] = process.argv.slice(2);
  const { inputs, state } = JSON.parse(json) as Arguments;
  switch (op) {
    case "create":
      await lifecycle.create(inputs);
      break;
    case "update":
      await lifecycle.update(state!, inputs);
      break;
    case "delete":
      await lifecycle.remove(inputs.workspaceId, state!);
      break;
    default:
      throw new Error(`unknown operation ${op}`);
  }
  console.log("done");
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
