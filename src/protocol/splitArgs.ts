/**
 * Valkey's `sdssplitargs` tokenizer, byte for byte: used for inline requests and config files.
 * Input and output are latin1 byte strings. Returns `undefined` for unbalanced quotes or a closing
 * quote that is not followed by whitespace.
 */
export const splitArgs = (line: string): Array<string> | undefined => {
  const out: Array<string> = []
  const n = line.length
  let p = 0
  for (;;) {
    while (p < n && isSpace(line.charCodeAt(p))) p++
    if (p >= n) return out
    let inDouble = false
    let inSingle = false
    let done = false
    let current = ""
    while (!done) {
      const c = p < n ? line.charCodeAt(p) : -1
      if (inDouble) {
        if (c === 92 /* \ */ && p + 3 < n && line.charCodeAt(p + 1) === 120 /* x */ &&
          isHex(line.charCodeAt(p + 2)) && isHex(line.charCodeAt(p + 3))) {
          current += String.fromCharCode(hexValue(line.charCodeAt(p + 2)) * 16 + hexValue(line.charCodeAt(p + 3)))
          p += 3
        } else if (c === 92 && p + 1 < n) {
          p++
          const e = line[p]
          current += e === "n" ? "\n" : e === "r" ? "\r" : e === "t" ? "\t" : e === "b" ? "\b" : e === "a" ? "\x07" : e
        } else if (c === 34 /* " */) {
          // The closing quote must be followed by a space or nothing.
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return undefined
          done = true
        } else if (c === -1) {
          return undefined
        } else {
          current += line[p]
        }
      } else if (inSingle) {
        if (c === 92 && p + 1 < n && line.charCodeAt(p + 1) === 39 /* ' */) {
          p++
          current += "'"
        } else if (c === 39) {
          if (p + 1 < n && !isSpace(line.charCodeAt(p + 1))) return undefined
          done = true
        } else if (c === -1) {
          return undefined
        } else {
          current += line[p]
        }
      } else {
        switch (c) {
          case 32:
          case 10:
          case 13:
          case 9:
          case -1:
            done = true
            break
          case 34:
            inDouble = true
            break
          case 39:
            inSingle = true
            break
          default:
            current += line[p]
        }
      }
      if (p < n) p++
    }
    out.push(current)
  }
}

// isspace(): space, \t, \n, \v, \f, \r
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13)
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
const hexValue = (c: number): number => (c <= 57 ? c - 48 : c <= 70 ? c - 55 : c - 87)

/**
 * Valkey's `sdscatrepr`: a double-quoted form that `splitArgs` reads back to the same bytes.
 * `"` and `\` are escaped (Valkey 8.1.0 forgot this, fixed in #2036).
 */
export const quoteArg = (value: string): string => {
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    switch (c) {
      case 92:
        out += "\\\\"
        break
      case 34:
        out += '\\"'
        break
      case 10:
        out += "\\n"
        break
      case 13:
        out += "\\r"
        break
      case 9:
        out += "\\t"
        break
      case 7:
        out += "\\a"
        break
      case 8:
        out += "\\b"
        break
      default:
        out += c >= 32 && c < 127 ? value[i] : "\\x" + c.toString(16).padStart(2, "0")
    }
  }
  return out + '"'
}
