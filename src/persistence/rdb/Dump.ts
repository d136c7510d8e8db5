import type { Value } from "../../keyspace/Value.js"
import type { ModuleTypeCodecs } from "./ModuleTypeCodecs.js"
import type { RdbWriteOptions } from "./RdbWriter.js"

/**
 * DUMP's payload (cluster.c `createDumpPayload`): the value as RDB writes it, the RDB version as
 * 2 bytes little endian, then the CRC64 of all that, 8 bytes little endian. A latin1 byte string.
 */
export const dumpPayload = (_value: Value, _options: RdbWriteOptions): string => {
  throw new Error("not implemented")
}

export interface RestoreOptions {
  readonly moduleTypes?: ModuleTypeCodecs
}

/**
 * RESTORE's decoding (cluster.c `verifyDumpPayload` + `rdbLoadObjectType`/`rdbLoadObject`): the
 * value, or Valkey's error text ("ERR DUMP payload version or checksum are wrong",
 * "ERR Bad data format").
 */
export const restorePayload = (_payload: string, _options?: RestoreOptions): Value | string => {
  throw new Error("not implemented")
}
