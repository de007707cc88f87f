// A small Kubernetes REST client over node:https. Why not @kubernetes/client-node: splitguard uses
// a handful of verbs (get, list, watch, create, merge/strategic/JSON patch, server-side apply) on
// a few resources, and needs exact control over the field manager (always `splitguard`), the patch
// content type and resourceVersion preconditions; a typed wrapper of the whole API adds megabytes
// and hides those. Every error carries the HTTP status and the API server's own message.
import { request as httpsRequest } from "node:https";

export const FIELD_MANAGER = "splitguard";

export interface KubeConnection {
  /** https://host:port */
  readonly server: string;
  readonly ca?: string | Buffer | undefined;
  readonly token?: string | undefined;
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  readonly insecureSkipTlsVerify?: boolean | undefined;
}

export type PatchType = "merge" | "strategic" | "json" | "apply";

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

/** A Kubernetes object as JSON. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
  get isConflict(): boolean {
    return this.status === 409;
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

export interface WatchEvent<T = KubeObject> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends (server closed, error, or stop()). */
  readonly done: Promise<void>;
  stop(): void;
}

export class KubeClient {
  constructor(
    readonly conn: KubeConnection,
    private readonly timeoutMs = 30_000,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
    accept = "application/json",
  ): Promise<T> {
    const url = new URL(path, this.conn.server);
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const req = httpsRequest(
        url,
        {
          method,
          headers: this.headers(payload, contentType, accept),
          ...this.tls(),
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text.length ? JSON.parse(text) : undefined;
            } catch {
              // non-JSON answers (healthz) stay text
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(parsed as T);
            else {
              const st = parsed as { message?: string; reason?: string } | undefined;
              const msg = typeof st === "object" && st?.message ? st.message : text;
              reject(
                new KubeApiError(
                  status,
                  st?.reason ?? String(status),
                  `${method} ${path}: ${status} ${msg}`,
                  parsed,
                ),
              );
            }
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () =>
        req.destroy(new Error(`${method} ${path}: timed out after ${this.timeoutMs} ms`)),
      );
      req.on("error", reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }
  create<T = KubeObject>(path: string, obj: unknown): Promise<T> {
    return this.request<T>("POST", `${path}${sep(path)}fieldManager=${FIELD_MANAGER}`, obj);
  }
  update<T = KubeObject>(path: string, obj: unknown): Promise<T> {
    return this.request<T>("PUT", `${path}${sep(path)}fieldManager=${FIELD_MANAGER}`, obj);
  }
  delete(path: string): Promise<unknown> {
    return this.request("DELETE", path);
  }
  patch<T = KubeObject>(path: string, type: PatchType, patch: unknown): Promise<T> {
    const q = type === "apply" ? `fieldManager=${FIELD_MANAGER}&force=true` : `fieldManager=${FIELD_MANAGER}`;
    return this.request<T>("PATCH", `${path}${sep(path)}${q}`, patch, PATCH_CONTENT_TYPE[type]);
  }

  /** Streams watch events (newline-delimited JSON) until the server ends the stream or stop(). */
  watch<T = KubeObject>(path: string, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    const url = new URL(`${path}${sep(path)}watch=true&allowWatchBookmarks=true`, this.conn.server);
    let stopped = false;
    let destroy: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      const req = httpsRequest(
        url,
        { method: "GET", headers: this.headers(undefined, "", "application/json"), ...this.tls() },
        (res) => {
          if ((res.statusCode ?? 0) >= 300) {
            res.resume();
            onEvent({
              type: "ERROR",
              object: { metadata: { name: "" }, code: res.statusCode } as unknown as T,
            });
            resolve();
            return;
          }
          let buf = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            buf += chunk;
            let nl = buf.indexOf("\n");
            while (nl >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (line) {
                try {
                  onEvent(JSON.parse(line) as WatchEvent<T>);
                } catch {
                  // a torn line: the stream is broken; end and let the caller relist
                  req.destroy();
                }
              }
              nl = buf.indexOf("\n");
            }
          });
          res.on("end", () => resolve());
          res.on("error", () => resolve());
          res.on("close", () => resolve());
        },
      );
      req.on("error", () => resolve());
      req.end();
      destroy = () => req.destroy();
      if (stopped) destroy();
    });
    return {
      done,
      stop: () => {
        stopped = true;
        destroy();
      },
    };
  }

  private headers(payload: string | undefined, contentType: string, accept: string): Record<string, string> {
    const h: Record<string, string> = { Accept: accept, "User-Agent": "splitguard" };
    if (this.conn.token) h.Authorization = `Bearer ${this.conn.token}`;
    if (payload !== undefined) {
      h["Content-Type"] = contentType;
      h["Content-Length"] = String(Buffer.byteLength(payload));
    }
    return h;
  }

  private tls() {
    return {
      ca: this.conn.ca,
      cert: this.conn.cert,
      key: this.conn.key,
      rejectUnauthorized: !this.conn.insecureSkipTlsVerify,
    };
  }
}

const sep = (path: string) => (path.includes("?") ? "&" : "?");
