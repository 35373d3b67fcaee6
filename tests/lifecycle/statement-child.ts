/**
 * One statement create in a process of its own, for statement.test.ts to kill between the write and the wait:
 * `node -r ts-node/register statement-child.ts <inputs as JSON>`. The emulator and the credentials come from the
 * standard AWS env vars. Prints `done` if it ever finishes.
 */
import { type StatementInputs, createStatement } from "../../provider/statement";

createStatement(JSON.parse(process.argv[2]) as StatementInputs).then(
  () => console.log("done"),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
