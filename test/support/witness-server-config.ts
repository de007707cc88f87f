// The server-side configuration of a lease witness, for BIND 9 and Knot, from one set of inputs.
// The `lease` test tier starts real servers with exactly this text, and docs/lease-witnesses.md
// shows it rendered with DOC_EXAMPLE (test/unit/docs/lease-witnesses-doc.test.ts checks that the
// document still matches).

export interface WitnessServerInput {
  /** Working directory of the server (zone file, journal, pid file). */
  readonly dir: string;
  readonly address: string;
  readonly port: number;
  /** The lease zone, e.g. lease.example.com (no trailing dot). */
  readonly zone: string;
  readonly keyName: string;
  /** The base64 secret as `tsig-keygen -a hmac-sha256 <keyName>` prints it. */
  readonly secret: string;
  /**
   * More keys allowed to update the zone: a TSIG key rotation's overlap, when the server has the
   * old and the new key (runbooks/rotate-tsig-key.md). Each needs its own name.
   */
  readonly moreKeys?: readonly { readonly keyName: string; readonly secret: string }[];
}

const allKeys = (i: WitnessServerInput) => [{ keyName: i.keyName, secret: i.secret }, ...(i.moreKeys ?? [])];

export const DOC_EXAMPLE: WitnessServerInput = {
  dir: "/var/lib/splitguard-witness",
  address: "192.0.2.53",
  port: 53,
  zone: "lease.example.com",
  keyName: "splitguard-lease",
  secret: "BASE64-SECRET-FROM-tsig-keygen=",
};

/** The zone every witness starts with: SOA, NS and the NS's address; no lease records yet. */
export function renderZoneFile(i: WitnessServerInput): string {
  return `$ORIGIN ${i.zone}.
$TTL 60
@       SOA   ns1 hostmaster 1 3600 600 86400 5
@       NS    ns1
ns1     A     ${i.address}
`;
}

/** BIND 9 named.conf: only TXT records below the zone apex, only with the lease key. */
export function renderBindConf(i: WitnessServerInput): string {
  return `options {
    directory "${i.dir}";
    pid-file "${i.dir}/named.pid";
    listen-on port ${i.port} { ${i.address}; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    dnssec-validation no;
};
controls { };

${allKeys(i)
  .map(
    (k) => `key "${k.keyName}" {
    algorithm hmac-sha256;
    secret "${k.secret}";
};
`,
  )
  .join("")}
zone "${i.zone}" {
    type primary;
    file "${i.dir}/${i.zone}.zone";
    update-policy {
${allKeys(i)
  .map(
    (k) => `        grant ${k.keyName} zonesub TXT;
`,
  )
  .join("")}    };
};
`;
}

/** Knot DNS knot.conf: the same policy — the lease key may update TXT records below the apex. */
export function renderKnotConf(i: WitnessServerInput): string {
  return `server:
    listen: ${i.address}@${i.port}
    rundir: "${i.dir}"

log:
  - target: stderr
    any: info

database:
    storage: "${i.dir}"

key:
${allKeys(i)
  .map(
    (k) => `  - id: ${k.keyName}
    algorithm: hmac-sha256
    secret: ${k.secret}
`,
  )
  .join("")}
acl:
  - id: lease-update
    key: ${
      i.moreKeys?.length
        ? `[${allKeys(i)
            .map((k) => k.keyName)
            .join(", ")}]`
        : i.keyName
    }
    action: update
    update-type: [TXT]
    update-owner: zone
    update-owner-match: sub

zone:
  - domain: ${i.zone}
    storage: "${i.dir}"
    file: "${i.zone}.zone"
    acl: lease-update
`;
}

/**
 * PowerDNS Authoritative pdns.conf: a gsqlite3 backend (the BIND backend cannot take updates) and
 * RFC 2136 enabled. Which key may update the zone is zone metadata, set by pdnsSetupCommands.
 */
export function renderPdnsConf(i: WitnessServerInput): string {
  return `launch=gsqlite3
gsqlite3-database=${i.dir}/pdns.sqlite3
local-address=${i.address}
local-port=${i.port}
socket-dir=${i.dir}
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8,::1
daemon=no
guardian=no
write-pid=no
disable-syslog=yes
`;
}

/** The pdnsutil commands (argv) that load the zone file and allow the lease key to update it. */
export function pdnsSetupCommands(i: WitnessServerInput): string[][] {
  const base = ["pdnsutil", `--config-dir=${i.dir}`];
  return [
    [...base, "load-zone", i.zone, `${i.dir}/${i.zone}.zone`],
    [...base, "import-tsig-key", i.keyName, "hmac-sha256", i.secret],
    [...base, "set-meta", i.zone, "TSIG-ALLOW-DNSUPDATE", i.keyName],
  ];
}
