import {
  BigNumberReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  PushReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply
} from "./Reply.js"

/**
 * Decodes replies the server encoded ahead (a module's replies built with postponed lengths, the
 * pushes of SUBSCRIBE inside EXEC) back into reply values, for in-process callers that want values
 * rather than RESP. `bytes` is a latin1 byte string holding whole RESP2/RESP3 replies, as the
 * server wrote them; attributes (`|`) are skipped, as clients that do not ask for them do.
 */
export const decodeReplies = (bytes: string): Array<Reply> => {
  let at = 0
  const line = (): string => {
    const end = bytes.indexOf("\r\n", at)
    if (end === -1) throw new Error("truncated RESP reply")
    const text = bytes.slice(at, end)
    at = end + 2
    return text
  }
  const items = (count: number): Array<Reply> => {
    const out: Array<Reply> = []
    for (let i = 0; i < count; i++) out.push(one())
    return out
  }
  const one = (): Reply => {
    const type = bytes[at++]
    const head = line()
    switch (type) {
      case "+":
        return new SimpleString(head)
      case "-":
        return new ErrorReply(head)
      case ":": {
        const n = BigInt(head)
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n
      }
      case "$":
      case "=": {
        const length = Number(head)
        if (length < 0) return null
        const body = bytes.slice(at, at + length)
        at += length + 2
        // Verbatim strings start with their three-letter format and a colon.
        return type === "$" ? body : new VerbatimReply(body.slice(4), body.slice(0, 3))
      }
      case "*":
        return Number(head) < 0 ? NullArray.instance : items(Number(head))
      case "_":
        return null
      case "#":
        return head === "t"
      case ",":
        return new DoubleReply(head === "inf" ? Infinity : head === "-inf" ? -Infinity : Number(head))
      case "(":
        return new BigNumberReply(head)
      case "%":
        return new MapReply(items(Number(head) * 2))
      case "~":
        return new SetReply(items(Number(head)))
      case ">":
        return new PushReply(items(Number(head)))
      case "|":
        items(Number(head) * 2)
        return one()
      default:
        throw new Error(`unknown RESP type byte ${JSON.stringify(type)}`)
    }
  }
  const out: Array<Reply> = []
  while (at < bytes.length) out.push(one())
  return out
}
