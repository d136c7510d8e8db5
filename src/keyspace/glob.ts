/**
 * Valkey's `stringmatchlen` glob matcher (KEYS, SCAN MATCH, CONFIG GET, ...): `*`, `?`, `[...]` with
 * ranges and `^` negation, `\` escapes. Works on latin1 byte strings.
 */
export const globMatch = (pattern: string, text: string, nocase = false): boolean =>
  matchFrom(pattern, 0, text, 0, nocase, 0) === Match.Yes

const enum Match {
  No,
  Yes,
  /** The text ran out while a `*` could still match: no later `*` can succeed either. */
  Exhausted
}

const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c)

const matchFrom = (p: string, pi: number, s: string, si: number, nocase: boolean, depth: number): Match => {
  // Valkey caps recursion to avoid pathological patterns.
  if (depth > 1000) return Match.No
  const plen = p.length
  const slen = s.length
  while (pi < plen && si < slen) {
    const c = p.charCodeAt(pi)
    switch (c) {
      case 42 /* * */: {
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++
        if (pi + 1 === plen) return Match.Yes
        while (si < slen) {
          const r = matchFrom(p, pi + 1, s, si, nocase, depth + 1)
          if (r !== Match.No) return r
          si++
        }
        return Match.Exhausted
      }
      case 63 /* ? */:
        si++
        break
      case 91 /* [ */: {
        pi++
        const not = p.charCodeAt(pi) === 94 /* ^ */
        if (not) pi++
        let matched = false
        for (;;) {
          const pc = p.charCodeAt(pi)
          if (pi < plen && pc === 92 /* \ */ && pi + 2 < plen + 1 && pi + 1 < plen) {
            pi++
            if (p.charCodeAt(pi) === s.charCodeAt(si)) matched = true
          } else if (pi >= plen) {
            pi--
            break
          } else if (pc === 93 /* ] */) {
            break
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45 /* - */) {
            let start = pc
            let end = p.charCodeAt(pi + 2)
            let ch = s.charCodeAt(si)
            if (start > end) [start, end] = [end, start]
            if (nocase) {
              start = lower(start)
              end = lower(end)
              ch = lower(ch)
            }
            pi += 2
            if (ch >= start && ch <= end) matched = true
          } else if (nocase ? lower(pc) === lower(s.charCodeAt(si)) : pc === s.charCodeAt(si)) {
            matched = true
          }
          pi++
        }
        if (not) matched = !matched
        if (!matched) return Match.No
        si++
        break
      }
      default: {
        // A backslash escapes the next character, compared literally.
        if (c === 92 && pi + 1 < plen) pi++
        const pc = p.charCodeAt(pi)
        const sc = s.charCodeAt(si)
        if (nocase ? lower(pc) !== lower(sc) : pc !== sc) return Match.No
        si++
      }
    }
    pi++
  }
  if (si === slen) {
    while (pi < plen && p.charCodeAt(pi) === 42) pi++
  }
  return pi === plen && si === slen ? Match.Yes : Match.No
}
