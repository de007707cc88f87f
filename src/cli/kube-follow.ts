// Following a collection's changes like `kubectl get -w`: a watch from a resourceVersion, reopened
// after a fresh list whenever the stream ends (the API server closes watches after a few minutes,
// answers 410 Gone for a resourceVersion too old, or restarts), so no change is missed for long and
// none is reported twice as new.
import type { KubeClient, KubeObject } from "../kube/kube-client.ts";

export interface FollowHandlers {
  /** An object was added or changed (ADDED/MODIFIED) or deleted. */
  readonly onChange: (type: "ADDED" | "MODIFIED" | "DELETED", o: KubeObject) => void;
  /** After a reconnect: the collection as it is now (the caller compares with what it knew). */
  readonly onRelist: (items: readonly KubeObject[]) => void;
}

export interface Follow {
  stop(): void;
  /** Resolves once stopped. */
  readonly done: Promise<void>;
}

/**
 * `collection` is the list path; `selector` an optional query (e.g. "fieldSelector=metadata.name%3Dx");
 * `resourceVersion` the version the caller's view is current at (from a list or a create).
 */
export function follow(
  client: KubeClient,
  collection: string,
  selector: string,
  resourceVersion: string | undefined,
  h: FollowHandlers,
): Follow {
  let stopped = false;
  let stopWatch: () => void = () => {};
  const q = (extra: string) => [selector, extra].filter(Boolean).join("&");
  const loop = async () => {
    let rv = resourceVersion;
    let failed = false;
    while (!stopped) {
      let gone = failed;
      const w = client.watch(`${collection}?${q(rv ? `resourceVersion=${rv}` : "")}`, (e) => {
        if (stopped) return;
        if (e.type === "ERROR") gone = true;
        else if (e.type !== "BOOKMARK") h.onChange(e.type, e.object);
        if (e.type !== "ERROR" && e.object.metadata?.resourceVersion) rv = e.object.metadata.resourceVersion;
      });
      stopWatch = w.stop;
      if (stopped) w.stop();
      await w.done;
      if (stopped) break;
      // The stream ended: wait a moment (longer after an error), list afresh, watch from there.
      await new Promise((r) => setTimeout(r, gone ? 1000 : 200));
      if (stopped) break;
      try {
        const list = await client.get<{ items: KubeObject[]; metadata?: { resourceVersion?: string } }>(
          `${collection}${selector ? `?${selector}` : ""}`,
        );
        if (stopped) break;
        h.onRelist(list.items);
        rv = list.metadata?.resourceVersion;
        failed = false;
      } catch {
        rv = undefined; // the API server is away: the next watch starts from "now"
        failed = true;
      }
    }
  };
  const done = loop();
  return {
    stop: () => {
      stopped = true;
      stopWatch();
    },
    done,
  };
}
