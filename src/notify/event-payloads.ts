// What a promotion, demotion or fence notification says, as an Alertmanager v2 alert and as a
// generic JSON webhook body. Pure: the sender (notifier.ts) only moves these bytes.

export type EventKind = "promotion" | "demotion" | "fence" | "unfence";

export interface NotificationEvent {
  readonly kind: EventKind;
  readonly service: string;
  /** The region the event happened in (the one promoted, demoted or fenced). */
  readonly region: string;
  readonly epoch?: number | undefined;
  /** The decision's reason in words (as in status and the Kubernetes Event). */
  readonly reason: string;
  readonly atMs: number;
}

/** How long an event alert stays active in Alertmanager unless sent again. */
export const EVENT_ALERT_MS = 60 * 60_000;

const ALERT_NAME: Record<EventKind, string> = {
  promotion: "SplitguardPromotionEvent",
  demotion: "SplitguardDemotionEvent",
  fence: "SplitguardFenceEvent",
  unfence: "SplitguardUnfenceEvent",
};

const SEVERITY: Record<EventKind, string> = {
  promotion: "warning",
  demotion: "info",
  fence: "critical",
  unfence: "info",
};

const VERB: Record<EventKind, string> = {
  promotion: "was promoted to primary",
  demotion: "was demoted",
  fence: "was fenced",
  unfence: "was unfenced",
};

export function summary(e: NotificationEvent): string {
  const epoch = e.epoch === undefined ? "" : ` at epoch ${e.epoch}`;
  return `Service ${e.service} ${VERB[e.kind]} in region ${e.region}${epoch}: ${e.reason}`;
}

/**
 * Body of `POST /api/v2/alerts` (Alertmanager API v2: a list of postable alerts). The epoch is a
 * label so each promotion is its own alert, not an update of the previous one; endsAt makes the
 * alert resolve by itself, since no one will send a "resolved" for an event.
 */
export function alertmanagerBody(e: NotificationEvent): string {
  const labels: Record<string, string> = {
    alertname: ALERT_NAME[e.kind],
    severity: SEVERITY[e.kind],
    service: e.service,
    region: e.region,
    source: "splitguard",
  };
  if (e.epoch !== undefined) labels.epoch = String(e.epoch);
  return JSON.stringify([
    {
      labels,
      annotations: { summary: summary(e), reason: e.reason },
      startsAt: new Date(e.atMs).toISOString(),
      endsAt: new Date(e.atMs + EVENT_ALERT_MS).toISOString(),
    },
  ]);
}

/** Body of the generic webhook: one JSON object per event, versioned. */
export function webhookBody(e: NotificationEvent): string {
  return JSON.stringify({
    type: "splitguard.event",
    version: 1,
    kind: e.kind,
    service: e.service,
    region: e.region,
    ...(e.epoch !== undefined ? { epoch: e.epoch } : {}),
    reason: e.reason,
    summary: summary(e),
    at: new Date(e.atMs).toISOString(),
  });
}
