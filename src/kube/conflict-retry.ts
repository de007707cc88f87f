// Writes guarded by resourceVersion: on 409 Conflict the object is read again and the change
// recomputed from the fresh copy (never re-sent blindly), a bounded number of times.
import { KubeApiError, type KubeClient, type KubeObject } from "./kube-client.ts";

export async function updateFromFreshRead<T extends KubeObject>(
  client: KubeClient,
  path: string,
  change: (current: T) => T | undefined,
  attempts = 5,
  /** Where to write, when not `path` (e.g. `${path}/status`: read the object, PUT its status). */
  writePath = path,
): Promise<{ object: T; conflicts: number }> {
  let conflicts = 0;
  for (;;) {
    const current = await client.get<T>(path);
    const next = change(current);
    if (next === undefined) return { object: current, conflicts };
    try {
      return { object: await client.update<T>(writePath, next), conflicts };
    } catch (e) {
      if (e instanceof KubeApiError && e.isConflict && ++conflicts < attempts) continue;
      throw e;
    }
  }
}
