import { encodeReply, type RespVersion } from "../protocol/RespWriter.js"
import { MapReply, RawReply, type Reply, SetReply } from "../protocol/Reply.js"

/** Writes nothing: what a command returns when it replied nothing, or replies later. */
export const NO_REPLY = new RawReply("")

/** `replyWithArray(POSTPONED_LEN)`: the length is given later with `replySetArrayLength`. */
export const POSTPONED_LEN = -1

type AggregateKind = "array" | "map" | "set" | "attribute"

interface OpenAggregate {
  readonly kind: AggregateKind
  /** Declared number of elements (pairs for maps), or POSTPONED_LEN until set. */
  length: number
  readonly items: Array<Reply>
}

/**
 * Collects the replies a module writes through `ctx.replyWith*` (Valkey's addReply* on a module
 * ctx), including aggregates whose length is given after their elements (postponed lengths).
 * Elements go to the innermost open aggregate; an aggregate closes when it has all its elements.
 */
export class ReplyBuilder {
  private readonly done: Array<Reply> = []
  private readonly open: Array<OpenAggregate> = []

  add(reply: Reply): void {
    const top = this.open[this.open.length - 1]
    if (top === undefined) {
      this.done.push(reply)
      return
    }
    top.items.push(reply)
    this.closeCompleted()
  }

  openAggregate(kind: AggregateKind, length: number): void {
    this.open.push({ kind, length, items: [] })
    this.closeCompleted()
  }

  /** Sets the length of the most recently opened postponed aggregate of this kind. */
  setLength(kind: AggregateKind, length: number): void {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const agg = this.open[i]
      if (agg.kind === kind && agg.length === POSTPONED_LEN) {
        agg.length = length
        this.closeCompleted()
        return
      }
    }
  }

  private closeCompleted(): void {
    for (;;) {
      const top = this.open[this.open.length - 1]
      if (top === undefined || top.length === POSTPONED_LEN) return
      const expected = top.kind === "map" || top.kind === "attribute" ? top.length * 2 : top.length
      if (top.items.length < expected) return
      this.open.pop()
      const value = top.kind === "map" ? new MapReply(top.items) : top.kind === "set" ? new SetReply(top.items) : top.items
      // Attributes are not supported by the skeleton's writer: drop them (RESP2 does the same).
      if (top.kind === "attribute") continue
      this.add(value)
    }
  }

  /**
   * Everything written so far as one reply value, and resets the builder. Aggregates still open
   * (a postponed length never set) are closed with the elements they have.
   */
  take(resp: RespVersion): Reply | undefined {
    while (this.open.length > 0) {
      const top = this.open[this.open.length - 1]
      top.length = top.kind === "map" || top.kind === "attribute" ? top.items.length / 2 : top.items.length
      this.closeCompleted()
    }
    const out = this.done.splice(0)
    if (out.length === 0) return undefined
    if (out.length === 1) return out[0]
    let bytes = ""
    for (const reply of out) bytes += encodeReply(reply, resp)
    return new RawReply(bytes)
  }
}
