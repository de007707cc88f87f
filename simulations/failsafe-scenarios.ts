// Scenarios of the lease failsafe (DESIGN §5, lease.failsafe): every lease witness goes down for
// 20 min, with the regions still connected or with the link between them cut as well, each with
// the failsafe off and on. In witness and manual mode the lease witnesses play no part: nothing
// may be promoted there either.

import type { Scenario } from "./scenarios.ts";
import type { Fault } from "./schedule.ts";
import { baseConfig, type Safety } from "./sim-config.ts";
import type { World } from "./world.ts";

const MIN = 60_000;
const H = 3_600_000;
const FROM = 10 * MIN;
const FOR = 20 * MIN;

function witnessesDown(): Fault[] {
  return ["lw-eu", "lw-us", "lw-net"].map((node) => ({
    kind: "nodeDown" as const,
    node,
    at: FROM,
    for: FOR,
  }));
}

/** When eu first entered `fenced` during the outage, if it did. */
function fencedAt(w: World): number | undefined {
  return w.transitions.find((t) => t.region === "eu" && t.to === "fenced" && t.at >= FROM)?.at;
}

function noPromotion(w: World): string[] {
  return w.promotions.length === 0 ? [] : [`expected no promotion, saw ${w.promotions.length}`];
}

/** eu was writable without a break from before the outage to after it healed. */
function servedThroughout(w: World): string[] {
  const spans = w.writable.filter((x) => x.region === "eu");
  const through = spans.some((x) => x.from <= FROM && (x.to ?? Number.POSITIVE_INFINITY) >= FROM + FOR);
  return through
    ? []
    : [
        `eu was not writable throughout the outage: ${spans.map((x) => `[${x.from}, ${x.to}]`).join(" ") || "never"}`,
      ];
}

/** eu fenced within one lease ttl + a renewal period + an operation timeout after the outage began. */
function fencedAtExpiry(w: World): string[] {
  const at = fencedAt(w);
  const bound = FROM + w.cfg.lease.ttlMs * (4 / 3) + w.cfg.timing.probeTimeoutMs + 5_000;
  if (at === undefined) return ["eu never fenced although it lost the lease"];
  return at <= bound ? [] : [`eu fenced at ${at}, after the lease-expiry bound ${bound}`];
}

function failsafeScenario(
  name: string,
  summary: string,
  failsafe: boolean,
  cut: boolean,
  leaseCheck: (w: World) => string[],
): Scenario {
  return {
    name,
    summary,
    build(safety: Safety, durationMs = H) {
      const faults: Fault[] = [
        ...witnessesDown(),
        ...(cut ? [{ kind: "cut" as const, a: "eu", b: "us", at: FROM, for: FOR }] : []),
      ];
      const base = baseConfig({ seed: 7, safety, durationMs, faults });
      return {
        config: { ...base, lease: { ...base.lease, failsafe } },
        expect: { healedBy: FROM + FOR },
      };
    },
    check: (w) => (w.cfg.safety === "lease" ? [...noPromotion(w), ...leaseCheck(w)] : noPromotion(w)),
  };
}

export const FAILSAFE_SCENARIOS: readonly Scenario[] = [
  failsafeScenario(
    "lease-witnesses-down",
    "every lease witness down for 20 min, regions connected, failsafe off: the primary fences at lease expiry, nothing is promoted",
    false,
    false,
    fencedAtExpiry,
  ),
  failsafeScenario(
    "lease-witnesses-down-failsafe",
    "every lease witness down for 20 min, regions connected, failsafe on: the standby acknowledges it has no majority either, the primary keeps serving, nothing is promoted",
    true,
    false,
    (w) => [...servedThroughout(w), ...(fencedAt(w) === undefined ? [] : [`eu fenced at ${fencedAt(w)}`])],
  ),
  failsafeScenario(
    "lease-witnesses-down-and-cut",
    "every lease witness down and the eu-us link cut for 20 min, failsafe off: the primary fences at lease expiry, nothing is promoted",
    false,
    true,
    fencedAtExpiry,
  ),
  failsafeScenario(
    "lease-witnesses-down-and-cut-failsafe",
    "every lease witness down and the eu-us link cut for 20 min, failsafe on: no peer acknowledges, so the primary fences at lease expiry as without it",
    true,
    true,
    fencedAtExpiry,
  ),
];
