import type { Entry } from "../keyspace/Database.js"
import type { Keyspace } from "../keyspace/Keyspace.js"
import { HashValue } from "../keyspace/HashValue.js"
import { ListValue } from "../keyspace/ListValue.js"
import { SetValue } from "../keyspace/SetValue.js"
import { StreamValue } from "../keyspace/StreamValue.js"
import { ZSetValue } from "../keyspace/ZSetValue.js"
import { ModuleValue, type ModuleValueType } from "../keyspace/Value.js"
import { commandArgBytes } from "../protocol/CommandArg.js"
import { bytesToBuffer, bytesToText } from "../protocol/ReplyValue.js"

/** Valkey's `VALKEYMODULE_KEYTYPE_*`, as names. */
export type ModuleKeyType = "empty" | "string" | "list" | "hash" | "set" | "zset" | "stream" | "module" | "other"

/**
 * A key opened by a module (Valkey's `OpenKey`): reads and writes go through the keyspace, so
 * WATCH, blocking (a created key is signalled ready) and expiry see them.
 *
 * Values written are text (a JS string, stored as its UTF-8 bytes) or bytes (a `Uint8Array`,
 * stored exactly); values read come as text (`stringGet`, `listPop`: UTF-8 decoded) or as bytes
 * (`stringGetBytes`, `listPopBytes`: a `Buffer` of exactly the stored bytes).
 */
export class ModuleKey {
  constructor(
    private readonly keyspace: Keyspace,
    readonly db: number,
    /** The key name as the server's byte string. */
    private readonly key: string
  ) {}

  /** The key name as text. */
  get name(): string {
    return bytesToText(this.key)
  }

  /** The key name as bytes. */
  get nameBytes(): Buffer {
    return bytesToBuffer(this.key)
  }

  private entry(): Entry | undefined {
    return this.keyspace.lookup(this.db, this.key)
  }

  type(): ModuleKeyType {
    const v = this.entry()?.value
    if (v === undefined) return "empty"
    if (typeof v === "string") return "string"
    if (v instanceof ListValue) return "list"
    if (v instanceof HashValue) return "hash"
    if (v instanceof SetValue) return "set"
    if (v instanceof ZSetValue) return "zset"
    if (v instanceof StreamValue) return "stream"
    if (v instanceof ModuleValue) return "module"
    return "other"
  }

  exists(): boolean {
    return this.entry() !== undefined
  }

  /** The string value as text, or undefined when missing or not a string. */
  stringGet(): string | undefined {
    const v = this.entry()?.value
    return typeof v === "string" ? bytesToText(v) : undefined
  }

  /** The string value as bytes, or undefined when missing or not a string. */
  stringGetBytes(): Buffer | undefined {
    const v = this.entry()?.value
    return typeof v === "string" ? bytesToBuffer(v) : undefined
  }

  stringSet(value: string | Uint8Array): void {
    this.keyspace.set(this.db, this.key, commandArgBytes(value))
  }

  valueLength(): number {
    const v = this.entry()?.value
    if (v === undefined) return 0
    if (typeof v === "string") return v.length
    if (v instanceof ListValue) return v.length
    if (v instanceof HashValue || v instanceof SetValue || v instanceof ZSetValue) return v.size
    return 0
  }

  /** Pushes onto a list, creating it (which signals the key ready). False on a wrong type. */
  listPush(where: "head" | "tail", ...texts: Array<string | Uint8Array>): boolean {
    const values = texts.map(commandArgBytes)
    const entry = this.entry()
    if (entry === undefined) {
      const list = new ListValue()
      for (const v of values) where === "head" ? list.pushLeft(v) : list.pushRight(v)
      this.keyspace.add(this.db, this.key, list)
      return true
    }
    if (!(entry.value instanceof ListValue)) return false
    for (const v of values) where === "head" ? entry.value.pushLeft(v) : entry.value.pushRight(v)
    this.keyspace.touch(this.db, this.key)
    return true
  }

  /** Pops from a list, as text; an emptied list is deleted. Undefined when missing or not a list. */
  listPop(where: "head" | "tail"): string | undefined {
    const v = this.pop(where)
    return v === undefined ? undefined : bytesToText(v)
  }

  /** Pops from a list, as bytes; an emptied list is deleted. Undefined when missing or not a list. */
  listPopBytes(where: "head" | "tail"): Buffer | undefined {
    const v = this.pop(where)
    return v === undefined ? undefined : bytesToBuffer(v)
  }

  private pop(where: "head" | "tail"): string | undefined {
    const entry = this.entry()
    if (entry === undefined || !(entry.value instanceof ListValue)) return undefined
    const v = where === "head" ? entry.value.popLeft() : entry.value.popRight()
    if (entry.value.length === 0) this.keyspace.deleteEntry(this.db, entry)
    else this.keyspace.touch(this.db, this.key)
    return v
  }

  /** The module value's data when the key holds a value of `type`. */
  moduleTypeGetValue(type?: ModuleValueType): unknown {
    const v = this.entry()?.value
    if (!(v instanceof ModuleValue)) return undefined
    if (type !== undefined && v.type !== type) return undefined
    return v.data
  }

  moduleTypeGetType(): ModuleValueType | undefined {
    const v = this.entry()?.value
    return v instanceof ModuleValue ? v.type : undefined
  }

  moduleTypeSetValue(type: ModuleValueType, data: unknown): void {
    this.keyspace.set(this.db, this.key, new ModuleValue(type, data))
  }

  /** Tells watchers the value changed in place (Valkey's `signalModifiedKey`). */
  modified(): void {
    this.keyspace.touch(this.db, this.key)
  }

  deleteKey(): boolean {
    return this.keyspace.delete(this.db, this.key)
  }
}
