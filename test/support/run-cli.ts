// Run the splitguard CLI in-process, capturing what it writes (stdout, stderr) and its exit code.
import { main } from "../../src/cli/main.ts";

export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (s) => (out += s),
    err: (s) => (err += s),
    stopped: new Promise(() => {}),
  });
  return { code, out, err };
}
