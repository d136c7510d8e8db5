import type { Value } from "../../keyspace/Value.js"
import type { ModuleTypeCodecs } from "./ModuleTypeCodecs.js"

export interface RdbVisitor {
  aux?(name: string, value: string): void
  selectDb?(db: number): void
  resizeDb?(keys: number, expires: number): void
  /** expireAt: absolute unix ms, 0 for none. */
  entry(db: number, key: string, value: Value, expireAt: number): void
}

export interface RdbReadOptions {
  readonly moduleTypes?: ModuleTypeCodecs
}

/**
 * Reads a whole RDB file (versions 9..12 as Redis 7.x and Valkey 7/8 write them). Throws
 * `RdbError` (with Valkey's message) on a bad file; a file that fails is never half-reported as
 * good: the caller discards what the visitor saw.
 */
export const readRdb = (_bytes: Uint8Array, _visitor: RdbVisitor, _options?: RdbReadOptions): void => {
  throw new Error("not implemented")
}
