// Run the splitguard CLI in-process, capturing what it writes (stdout, stderr) and its exit code.
import { main } from "../../src/cli/main.ts";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `splitguard ...argv`; a long-running verb (serve, controller) runs until the test ends. */
export function runCli(...argv: string[]): Promise<CliRun> {
  return runCliUntil(new Promise(() => {}), ...argv);
}

/** Runs `splitguard ...argv`; a long-running verb stops when `stopped` resolves. */
export async function runCliUntil(stopped: Promise<void>, ...argv: string[]): Promise<CliRun> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    stopped,
  });
  return { code, out, err };
}
