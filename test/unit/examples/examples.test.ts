// The worked examples hold together: in every region the FailoverService is the same, names the
// CNPG Clusters that exist there, selects gated pods and a Gateway that exist there; the Clusters
// form one distributed topology; the splitguard configurations load and differ only in `region`.
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import type { KubeObject } from "../../../src/kube/kube-client.ts";
import { type ExampleRegion, exampleRegions, ofKind } from "../../support/examples.ts";

interface Replica {
  self?: string;
  primary?: string;
  source?: string;
}
interface ClusterSpec {
  replica?: Replica;
  externalClusters?: { name: string }[];
  bootstrap?: { initdb?: unknown; pg_basebackup?: { source: string }; recovery?: { source: string } };
}
interface FsSpec {
  strategy?: string;
  regions: { name: string; cnpgCluster?: string }[];
  gate?: { selector: { matchLabels: Record<string, string> } };
  targets: { gateway?: { name: string }; service?: { name: string } };
}

const regions = exampleRegions();
const drills = exampleRegions(true);
const byExample = new Map<string, ExampleRegion[]>();
for (const r of regions) byExample.set(r.example, [...(byExample.get(r.example) ?? []), r]);

describe("examples", () => {
  it("there are examples with regions to check", () => {
    expect([...byExample.keys()]).toEqual(expect.arrayContaining(["cnpg-witness", "roundrobin-stateless"]));
  });

  for (const [example, rs] of byExample) {
    describe(example, () => {
      it("every object has apiVersion, kind and a name, and no namespace (applied with -n)", () => {
        for (const r of rs)
          for (const { file, object } of r.objects) {
            expect(object.apiVersion, file).toBeTruthy();
            expect(object.kind, file).toBeTruthy();
            expect(object.metadata?.name, file).toBeTruthy();
            expect(object.metadata?.namespace, `${file}: leave the namespace to kubectl -n`).toBeUndefined();
          }
      });

      const services = rs.flatMap((r) => ofKind(r, "FailoverService").map((o) => ({ r, o })));
      if (services.length > 0) {
        it("the FailoverService is the same in every region and lists every region directory", () => {
          const first = services[0]!.o;
          for (const { r, o } of services) expect(o, `${example}/${r.region}`).toEqual(first);
          expect((first.spec as FsSpec).regions.map((x) => x.name).sort()).toEqual(
            rs.map((r) => r.region).sort(),
          );
        });

        const stateless = (services[0]!.o.spec as FsSpec).regions.every((x) => x.cnpgCluster === undefined);
        if (stateless)
          it("a FailoverService without CNPG clusters is a roundRobin one, with no gate and no Cluster around", () => {
            const spec = services[0]!.o.spec as FsSpec;
            expect(spec.strategy).toBe("roundRobin");
            expect(spec.gate).toBeUndefined();
            for (const r of rs) expect(ofKind(r, "Cluster"), `${example}/${r.region}`).toEqual([]);
          });
        else
          it("each region has the CNPG Cluster its FailoverService names, in one distributed topology", () => {
            const spec = services[0]!.o.spec as FsSpec;
            const names = spec.regions.map((x) => x.cnpgCluster!);
            const primaries = new Set<string | undefined>();
            for (const { name: region, cnpgCluster } of spec.regions) {
              const r = rs.find((x) => x.region === region)!;
              const c = ofKind(r, "Cluster").find((x) => x.metadata.name === cnpgCluster);
              expect(c, `${example}/${region}: Cluster ${cnpgCluster}`).toBeDefined();
              const cs = c!.spec as ClusterSpec;
              expect(cs.replica?.self ?? c!.metadata.name).toBe(cnpgCluster);
              primaries.add(cs.replica?.primary);
              expect(cs.externalClusters?.map((e) => e.name).sort()).toEqual([...names].sort());
              expect(cs.replica?.source).not.toBe(cnpgCluster);
              expect(names).toContain(cs.replica?.source);
              const isPrimary = cs.replica?.primary === cnpgCluster;
              if (isPrimary)
                expect(cs.bootstrap?.initdb, `${cnpgCluster} bootstraps with initdb`).toBeDefined();
              else
                expect(names, `${cnpgCluster} bootstraps from another region's cluster`).toContain(
                  cs.bootstrap?.pg_basebackup?.source ?? cs.bootstrap?.recovery?.source,
                );
            }
            expect([...primaries]).toHaveLength(1);
            expect(names).toContain([...primaries][0]);
          });

        it("the drills' overrides name this FailoverService and one of its regions", () => {
          const fs = services[0]!.o;
          const names = (fs.spec as FsSpec).regions.map((x) => x.name);
          for (const d of drills.filter((x) => x.example === example))
            for (const { file, object } of d.objects) {
              expect(object.kind, file).toBe("FailoverOverride");
              const o = object.spec as { service: string; region?: string };
              expect(o.service, file).toBe(fs.metadata.name);
              if (o.region !== undefined) expect(names, file).toContain(o.region);
            }
        });

        it("the gate selects pods that carry the readiness gate, and the targets exist, in every region", () => {
          const spec = services[0]!.o.spec as FsSpec;
          for (const r of rs) {
            // A stateless service has no gate: nothing is gated, only the targets are checked.
            const want = spec.gate?.selector.matchLabels;
            const gated = [...ofKind(r, "Deployment"), ...ofKind(r, "StatefulSet")].filter((d) => {
              if (!want) return false;
              const t = (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template;
              return Object.entries(want).every(([k, v]) => t.metadata.labels[k] === v);
            });
            if (want)
              expect(
                gated.length,
                `${r.example}/${r.region}: workloads matching the gate selector`,
              ).toBeGreaterThan(0);
            for (const d of gated) {
              const podSpec = (
                d.spec as { template: { spec: { readinessGates?: { conditionType: string }[] } } }
              ).template.spec;
              expect(podSpec.readinessGates).toContainEqual({ conditionType: "splitguard.io/primary" });
            }
            const target = spec.targets.gateway
              ? ofKind(r, "Gateway").find((g: KubeObject) => g.metadata.name === spec.targets.gateway!.name)
              : spec.targets.service
                ? ofKind(r, "Service").find((s: KubeObject) => s.metadata.name === spec.targets.service!.name)
                : {};
            expect(target, `${r.example}/${r.region}: the FailoverService's target source`).toBeDefined();
          }
        });
      }

      const configs = rs.filter((r) => r.config);
      if (configs.length > 0) {
        it("every region's splitguard.yaml loads, speaks for its directory's region, and differs only in `region`", () => {
          const parsed = configs.map((r) => ({ r, c: parseConfigText(r.config!.text, r.config!.file) }));
          for (const { r, c } of parsed) expect(c.region).toBe(r.region);
          const strip = (c: (typeof parsed)[number]["c"]) => ({ ...c, region: "" });
          for (const { c } of parsed) expect(strip(c)).toEqual(strip(parsed[0]!.c));
          expect(parsed[0]!.c.regions.map((x) => x.name).sort()).toEqual(configs.map((r) => r.region).sort());
        });
      }
    });
  }
});
