import { describe, expect, it } from "vitest";
import { ControllerMetrics, roleOfState } from "../../../src/metrics.ts";

/** The exposition's sample lines, `name{labels} value`, without HELP/TYPE comments. */
async function samples(m: ControllerMetrics): Promise<string[]> {
  return (await m.registry.metrics()).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

describe("ControllerMetrics", () => {
  it("starts with the leader gauge at 0 and every notification counter at 0", async () => {
    const s = await samples(new ControllerMetrics({ region: "eu" }));
    expect(s).toContain('splitguard_controller_leader{region="eu"} 0');
    expect(s).toContain('splitguard_notifications_total{sink="alertmanager",result="dropped"} 0');
    expect(s).toContain("splitguard_notification_queue_depth 0");
  });

  it("exports the role one-hot, per service and region, own and peers'", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setRole("db", "eu", "standby");
    m.setRole("db", "us", "primary");
    m.setRole("db", "eu", "primary");
    const s = await samples(m);
    expect(s).toContain('splitguard_service_role{service="db",region="eu",role="primary"} 1');
    expect(s).toContain('splitguard_service_role{service="db",region="eu",role="standby"} 0');
    expect(s).toContain('splitguard_service_role{service="db",region="us",role="primary"} 1');
    expect(s.filter((l) => l.startsWith("splitguard_service_role") && l.endsWith(" 1"))).toHaveLength(2);
    // first sight of a service starts its promotion counter at 0, so increase() sees the first one
    expect(s).toContain('splitbrain_promotions_total{service="db"} 0');
  });

  it("counts decisions, and promotions in splitbrain_promotions_total", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.recordDecision("db", "fence", 1_000_000);
    m.recordDecision("db", "promote", 2_000_000);
    m.recordDecision("db", "promote", 3_000_000);
    const s = await samples(m);
    expect(s).toContain('splitbrain_promotions_total{service="db"} 2');
    expect(s).toContain('splitguard_decisions_total{service="db",action="promote"} 2');
    expect(s).toContain('splitguard_decisions_total{service="db",action="fence"} 1');
    expect(s).toContain('splitguard_last_decision_timestamp_seconds{service="db"} 3000');
  });

  it("exports the fenced-since timestamp only while fenced", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setFenced("db", 1_700_000_000_000);
    expect(await samples(m)).toContain(
      'splitguard_service_fenced_since_timestamp_seconds{service="db"} 1700000000',
    );
    m.setFenced("db", null);
    expect((await samples(m)).some((l) => l.startsWith("splitguard_service_fenced_since"))).toBe(false);
  });

  it("counts a lease loss only on a held -> not held change", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setLeaseHeld("db", false);
    expect(await samples(m)).toContain('splitguard_lease_losses_total{service="db"} 0');
    m.setLeaseHeld("db", true);
    m.setLeaseHeld("db", true);
    m.setLeaseHeld("db", false);
    m.setLeaseHeld("db", false);
    const s = await samples(m);
    expect(s).toContain('splitguard_lease_losses_total{service="db"} 1');
    expect(s).toContain('splitguard_lease_held{service="db"} 0');
  });

  it("exports override expiry (+Inf without one) and drops it when cleared", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setOverrideActive("db", "freeze-1", "freeze", 1_800_000_000_000);
    m.setOverrideActive("db", "freeze-2", "freeze", undefined);
    let s = await samples(m);
    expect(s).toContain(
      'splitguard_override_expiry_timestamp_seconds{service="db",override="freeze-1",action="freeze"} 1800000000',
    );
    expect(s).toContain(
      'splitguard_override_expiry_timestamp_seconds{service="db",override="freeze-2",action="freeze"} +Inf',
    );
    m.clearOverride("db", "freeze-1");
    s = await samples(m);
    expect(s.filter((l) => l.startsWith("splitguard_override_expiry"))).toHaveLength(1);
  });

  it("exports healthy records under k8gb's name and the configured endpoints", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setHostEndpointsUp("app", 0, 3);
    const s = await samples(m);
    expect(s).toContain('k8gb_gslb_healthy_records{name="app"} 0');
    expect(s).toContain('splitguard_host_endpoints{host="app"} 3');
    m.forgetHost("app");
    expect((await samples(m)).some((l) => l.includes('"app"'))).toBe(false);
  });

  it("takes the region runtime's observer calls: transitions set this region's role, promotions count with the injected time", async () => {
    let now = 5_000_000;
    const m = new ControllerMetrics({ region: "eu", now: () => now });
    m.transition("db", "standby.following", "standby.suspecting");
    m.transition("db", "standby.suspecting", "standby.promoting");
    let s = await samples(m);
    expect(s).toContain('splitguard_service_role{service="db",region="eu",role="promoting"} 1');
    expect(s).toContain('splitguard_transitions_total{service="db",to="standby.promoting"} 1');
    now = 6_000_000;
    m.promoted("db");
    m.transition("db", "standby.promoting", "primary.serving");
    m.served("app", 3);
    s = await samples(m);
    expect(s).toContain('splitguard_service_role{service="db",region="eu",role="primary"} 1');
    expect(s).toContain('splitbrain_promotions_total{service="db"} 1');
    expect(s).toContain('splitguard_last_decision_timestamp_seconds{service="db"} 6000');
    expect(s).toContain('k8gb_gslb_healthy_records{name="app"} 3');
  });

  it("maps every machine state to the role status reports", () => {
    expect(
      [
        "primary.serving",
        "primary.atRisk",
        "standby.following",
        "standby.suspecting",
        "standby.promoting",
        "fenced",
        "demoting",
        "frozen",
        "initializing",
      ].map(roleOfState),
    ).toEqual([
      "primary",
      "primary",
      "standby",
      "standby",
      "promoting",
      "fenced",
      "demoting",
      "frozen",
      "unknown",
    ]);
  });

  it("forgets every series of a removed service", async () => {
    const m = new ControllerMetrics({ region: "eu" });
    m.setRole("db", "eu", "primary");
    m.recordDecision("db", "promote", 1000);
    m.setFenced("db", 1000);
    m.setLeaseHeld("db", true);
    m.setOverrideActive("db", "o", "freeze", undefined);
    m.transition("db", "standby.promoting", "primary.serving");
    m.setLeader(true);
    m.forgetService("db");
    const s = await samples(m);
    expect(s.some((l) => l.includes('service="db"'))).toBe(false);
    expect(s).toContain('splitguard_controller_leader{region="eu"} 1');
  });
});
