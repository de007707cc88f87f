// List + watch with resync for one resource path. A dropped watch resumes from the last
// resourceVersion seen; a 410 Gone (history compacted) relists. Every `resyncMs` every cached
// object is handed to onChange again, so a missed event is repaired within one resync period.
import type { Clock } from "../core/clock.ts";
import type { KubeClient, KubeObject, WatchHandle } from "./kube-client.ts";

export interface InformerOptions {
  readonly client: KubeClient;
  /** Collection path, e.g. /apis/splitguard.io/v1alpha1/namespaces/ns/failoverservices */
  readonly path: string;
  readonly clock: Clock;
  readonly resyncMs: number;
  readonly onChange: (obj: KubeObject, deleted: boolean) => void;
  readonly log?: (msg: string) => void;
}

export class Informer {
  readonly store = new Map<string, KubeObject>();
  private rv: string | undefined;
  private watch: WatchHandle | undefined;
  private stopped = false;
  private resyncTimer: unknown;
  private retryTimer: unknown;
  /** How many watch streams were opened (a test reads it to see resumption). */
  watches = 0;
  relists = 0;

  constructor(private readonly o: InformerOptions) {}

  async start(): Promise<void> {
    // A CRD just Established answers 429 "storage is (re)initializing" for a moment; retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.relist();
        break;
      } catch (e) {
        if (attempt >= 50) throw e;
        await new Promise((r) => this.o.clock.setTimeout(() => r(undefined), 200));
      }
    }
    this.runWatch();
    const resync = () => {
      for (const obj of this.store.values()) this.o.onChange(obj, false);
      this.resyncTimer = this.o.clock.setTimeout(resync, this.o.resyncMs);
    };
    this.resyncTimer = this.o.clock.setTimeout(resync, this.o.resyncMs);
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    this.o.clock.clearTimeout(this.resyncTimer);
    this.o.clock.clearTimeout(this.retryTimer);
  }

  private async relist(): Promise<void> {
    this.relists++;
    const list = await this.o.client.get<{ metadata: { resourceVersion: string }; items: KubeObject[] }>(
      this.o.path,
    );
    const seen = new Set<string>();
    for (const item of list.items) {
      seen.add(item.metadata.name);
      this.store.set(item.metadata.name, item);
      this.o.onChange(item, false);
    }
    for (const [name, obj] of this.store)
      if (!seen.has(name)) {
        this.store.delete(name);
        this.o.onChange(obj, true);
      }
    this.rv = list.metadata.resourceVersion;
  }

  private runWatch(): void {
    if (this.stopped) return;
    this.watches++;
    let gone = false;
    const h = this.o.client.watch(`${this.o.path}?resourceVersion=${this.rv ?? ""}`, (e) => {
      if (e.type === "ERROR") {
        const code = (e.object as unknown as { code?: number }).code;
        if (code === 410) gone = true;
        return;
      }
      if (e.type === "BOOKMARK") {
        this.rv = e.object.metadata.resourceVersion ?? this.rv;
        return;
      }
      this.rv = e.object.metadata.resourceVersion ?? this.rv;
      if (e.type === "DELETED") this.store.delete(e.object.metadata.name);
      else this.store.set(e.object.metadata.name, e.object);
      this.o.onChange(e.object, e.type === "DELETED");
    });
    this.watch = h;
    void h.done.then(async () => {
      if (this.stopped) return;
      this.o.log?.(`watch on ${this.o.path} ended${gone ? " (410 Gone: relisting)" : "; resuming"}`);
      if (gone) {
        try {
          await this.relist();
        } catch {
          // retried below
        }
      }
      // A short pause so a server that is down is not hammered.
      this.retryTimer = this.o.clock.setTimeout(() => this.runWatch(), 500);
    });
  }
}
