import { describe, expect, it } from "vitest";
import { alertmanagerBody, type NotificationEvent, summary } from "../../../src/notify/event-payloads.ts";
import { backoffMs, MAX_BACKOFF_MS } from "../../../src/notify/notifier.ts";

const fence: NotificationEvent = {
  kind: "fence",
  service: "orders",
  region: "eu",
  reason: "no self-quorum for 60 s",
  atMs: Date.UTC(2026, 10, 21, 22, 0, 0),
};

describe("event payloads", () => {
  it("say what happened in words", () => {
    expect(summary(fence)).toBe("Service orders was fenced in region eu: no self-quorum for 60 s");
    expect(summary({ ...fence, kind: "demotion", epoch: 4 })).toBe(
      "Service orders was demoted in region eu at epoch 4: no self-quorum for 60 s",
    );
  });

  it("make an Alertmanager v2 postable alert that resolves by itself after an hour, without an epoch label when there is none", () => {
    expect(JSON.parse(alertmanagerBody(fence))).toEqual([
      {
        labels: {
          alertname: "SplitguardFenceEvent",
          severity: "critical",
          service: "orders",
          region: "eu",
          source: "splitguard",
        },
        annotations: {
          summary: "Service orders was fenced in region eu: no self-quorum for 60 s",
          reason: fence.reason,
        },
        startsAt: "2026-11-21T22:00:00.000Z",
        endsAt: "2026-11-21T23:00:00.000Z",
      },
    ]);
  });
});

describe("retry backoff", () => {
  it("doubles from the first wait and stops growing at the cap", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(10, 1000)).toBe(MAX_BACKOFF_MS);
  });
});
