// Looking for key material in captured output (issue 10: "no secret in logs, events, status,
// metrics labels or error messages"). A secret is searched for in every spelling a careless line of
// code could produce: the raw bytes, base64 (padded and not), base64url, hex in both cases, and
// the text of a key file as it was written. A 16-character piece of any spelling counts too, so
// a truncated or wrapped leak is still found.

export interface Secret {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface Capture {
  /** Where it came from, e.g. "lease check -o json (stdout)". */
  readonly what: string;
  readonly data: string | Buffer;
}

const PIECE = 16;

/** Every spelling of `s` to look for, each with its name. */
export function spellings(s: Secret): { form: string; text: string }[] {
  const b = s.bytes;
  const forms = [
    { form: "base64", text: b.toString("base64") },
    { form: "base64 unpadded", text: b.toString("base64").replace(/=+$/, "") },
    { form: "base64url", text: b.toString("base64url") },
    { form: "hex", text: b.toString("hex") },
    { form: "HEX", text: b.toString("hex").toUpperCase() },
  ];
  const utf8 = b.toString("utf8");
  // The key file's text (heartbeat keys are used as the file's bytes) when it is printable.
  if (/^[\x20-\x7e]+$/.test(utf8)) forms.push({ form: "text", text: utf8 });
  return forms;
}

/** Each place a secret (or a 16-character piece of one of its spellings) shows up, in words. */
export function findLeaks(captures: readonly Capture[], secrets: readonly Secret[]): string[] {
  const out: string[] = [];
  for (const c of captures) {
    const buf = Buffer.isBuffer(c.data) ? c.data : Buffer.from(c.data, "utf8");
    const text = buf.toString("latin1");
    for (const s of secrets) {
      if (buf.indexOf(s.bytes) >= 0) out.push(`${c.what}: raw bytes of ${s.name}`);
      for (const f of spellings(s)) {
        const pieces = new Set<string>();
        for (let i = 0; i + PIECE <= f.text.length; i++) pieces.add(f.text.slice(i, i + PIECE));
        if (text.includes(f.text)) out.push(`${c.what}: ${s.name} as ${f.form}`);
        else if ([...pieces].some((p) => text.includes(p)))
          out.push(`${c.what}: a piece of ${s.name} as ${f.form}`);
      }
    }
  }
  return out;
}
