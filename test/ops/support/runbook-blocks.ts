// The fenced code blocks of the runbooks, and the commands in their shell blocks, tokenized the
// way a POSIX shell would for the simple commands runbooks use (quotes, backslash-newline, pipes,
// `&&`, `;`, and `<<'EOF'` here-documents, whose body is kept as the command's input).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Block {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly text: string;
}

export interface ShellCommand {
  readonly where: string;
  readonly argv: string[];
  /** The body of a here-document fed to the command, if any. */
  readonly stdin?: string;
}

export function readBlocks(dir: string): Block[] {
  const out: Block[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()) {
    const lines = readFileSync(join(dir, name), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\S*)\s*$/.exec(lines[i]!);
      if (!open) continue;
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
      if (i >= lines.length) throw new Error(`${name}:${start + 1}: code block never closed`);
      out.push({ file: name, line: start + 1, lang: open[1] ?? "", text: body.join("\n") });
    }
  }
  return out;
}

/** Split a shell block into simple commands (one per pipeline stage or `&&`/`;`/newline). */
export function shellCommands(b: Block): ShellCommand[] {
  const out: ShellCommand[] = [];
  const lines = b.text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const where = `${b.file}:${b.line + 1 + i}`;
    let src = lines[i]!;
    while (src.endsWith("\\") && i + 1 < lines.length) src = `${src.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (src.trim() === "" || src.trim().startsWith("#")) continue;
    const { words, heredoc } = tokenize(src, where);
    let stdin: string | undefined;
    if (heredoc !== undefined) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc; i++) body.push(lines[i]!);
      if (i >= lines.length) throw new Error(`${where}: here-document ${heredoc} never ends`);
      stdin = body.join("\n");
    }
    let cur: string[] = [];
    const flush = () => {
      if (cur.length) out.push({ where, argv: cur, ...(stdin !== undefined ? { stdin } : {}) });
      cur = [];
    };
    for (const w of words) {
      if (w === OP) flush();
      else cur.push(w);
    }
    flush();
  }
  return out;
}

const OP = "\u0000op";

function tokenize(src: string, where: string): { words: string[]; heredoc?: string } {
  const words: string[] = [];
  let heredoc: string | undefined;
  let w: string | undefined;
  const push = () => {
    if (w !== undefined) words.push(w);
    w = undefined;
  };
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new Error(`${where}: unterminated ${c} quote`);
      w = (w ?? "") + src.slice(i + 1, end);
      i = end;
    } else if (c === " " || c === "\t") push();
    else if (c === "#" && w === undefined) break;
    else if (c === "|" || c === ";" || (c === "&" && src[i + 1] === "&")) {
      push();
      words.push(OP);
      if (c === "&" || src[i + 1] === "|") i++;
    } else if (c === "<" && src.startsWith("<<", i)) {
      push();
      const m = /^<<-?\s*'?"?([A-Za-z_]+)'?"?/.exec(src.slice(i));
      if (!m) throw new Error(`${where}: unreadable here-document`);
      heredoc = m[1];
      i += m[0].length - 1;
    } else if (c === ">" || c === "<") {
      // A redirection: drop it and its target (runbooks only redirect to files).
      push();
      while (src[i + 1] === ">" || src[i + 1] === "&") i++;
      while (src[i + 1] === " ") i++;
      while (i + 1 < src.length && src[i + 1] !== " ") i++;
    } else w = (w ?? "") + c;
  }
  push();
  return heredoc === undefined ? { words } : { words, heredoc };
}
