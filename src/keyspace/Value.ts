import { HashValue } from "./HashValue.js"
import { ListValue } from "./ListValue.js"
import { SetValue } from "./SetValue.js"
import { StreamValue } from "./StreamValue.js"
import { ZSetValue } from "./ZSetValue.js"

/**
 * A stored value. Strings are latin1 byte strings (see `protocol/Reply.ts`); other types are
 * classes so `TYPE` and WRONGTYPE checks are one `instanceof`.
 */
export type Value = string | ListValue | HashValue | SetValue | ZSetValue | StreamValue | ModuleValue

/** A value of a module-defined data type. */
export class ModuleValue {
  constructor(
    readonly type: ModuleValueType,
    public data: unknown
  ) {}
}

export interface ModuleValueType {
  /** The 9-character type name shown by `TYPE`. */
  readonly name: string
  readonly module: string
}

/** The `TYPE` reply for a value. */
export const typeName = (value: Value): string =>
  typeof value === "string"
    ? "string"
    : value instanceof ListValue
      ? "list"
      : value instanceof HashValue
        ? "hash"
        : value instanceof SetValue
          ? "set"
          : value instanceof ZSetValue
            ? "zset"
            : value instanceof StreamValue
              ? "stream"
              : value.type.name

export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
