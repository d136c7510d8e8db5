import type { ModuleIO } from "../ModuleIO.js"
import type { ByteReader } from "./ByteReader.js"
import type { ByteSink } from "./ByteSink.js"
import * as T from "./types.js"

const textToBytes = (s: string): string => Buffer.from(s, "utf8").toString("latin1")
const bytesToText = (s: string): string => Buffer.from(s, "latin1").toString("utf8")

/** util.c `ld2string(..., LD_STR_HEX)` for a double: C's `%La`-style hex float text. */
const hexFloat = (d: number): string => {
  if (Number.isNaN(d)) return "nan"
  if (d === Infinity) return "inf"
  if (d === -Infinity) return "-inf"
  if (d === 0) return Object.is(d, -0) ? "-0x0p+0" : "0x0p+0"
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, d)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const sign = hi >>> 31 ? "-" : ""
  let exponent = (hi >>> 20) & 0x7ff
  const mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  let lead = "1"
  if (exponent === 0) {
    lead = "0"
    exponent = -1022
  } else exponent -= 1023
  let digits = mantissa.toString(16).padStart(13, "0").replace(/0+$/, "")
  if (mantissa === 0n) digits = ""
  return `${sign}0x${lead}${digits === "" ? "" : "." + digits}p${exponent >= 0 ? "+" : ""}${exponent}`
}

/** util.c `string2ld`: decimal or hex float text, `inf`, `nan`; NaN when it is not a number. */
const parseLongDouble = (s: string): number => {
  const t = s.trim().toLowerCase()
  if (t === "inf" || t === "+inf" || t === "infinity") return Infinity
  if (t === "-inf" || t === "-infinity") return -Infinity
  if (t === "nan" || t === "-nan") return NaN
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?p([+-]?\d+)$/.exec(t)
  if (hex !== null) {
    const [, sign, int, frac = "", exp] = hex
    let m = 0
    for (const c of int) m = m * 16 + parseInt(c, 16)
    let scale = 1
    for (const c of frac) {
      scale /= 16
      m += parseInt(c, 16) * scale
    }
    const v = m * 2 ** Number(exp)
    return sign === "-" ? -v : v
  }
  return t === "" ? NaN : Number(t)
}

/** The ModuleIO of an `rdb_save`/`aux_save`: each save is a MODULE_2 opcode and its value. */
export class SavingModuleIO implements ModuleIO {
  constructor(
    private readonly sink: ByteSink,
    private readonly key: string,
    private readonly db: number
  ) {}

  saveUnsigned(value: number | bigint): void {
    this.sink.len(T.MODULE_OPCODE_UINT)
    this.sink.len(BigInt.asUintN(64, BigInt(value)))
  }
  /** module.c `VM_SaveSigned` writes the two's complement as an unsigned (UINT opcode). */
  saveSigned(value: number | bigint): void {
    this.saveUnsigned(BigInt.asUintN(64, BigInt(value)))
  }
  saveString(value: string): void {
    this.saveStringBuffer(textToBytes(value))
  }
  saveStringBuffer(value: string | Uint8Array): void {
    this.sink.len(T.MODULE_OPCODE_STRING)
    this.sink.string(typeof value === "string" ? value : Buffer.from(value).toString("latin1"))
  }
  saveDouble(value: number): void {
    this.sink.len(T.MODULE_OPCODE_DOUBLE)
    this.sink.f64le(value)
  }
  saveFloat(value: number): void {
    this.sink.len(T.MODULE_OPCODE_FLOAT)
    this.sink.f32le(value)
  }
  saveLongDouble(value: number): void {
    this.saveStringBuffer(hexFloat(value))
  }
  loadUnsigned(): bigint {
    throw new Error("ModuleIO: load during save")
  }
  loadSigned(): bigint {
    throw new Error("ModuleIO: load during save")
  }
  loadString(): string {
    throw new Error("ModuleIO: load during save")
  }
  loadStringBuffer(): string {
    throw new Error("ModuleIO: load during save")
  }
  loadDouble(): number {
    throw new Error("ModuleIO: load during save")
  }
  loadFloat(): number {
    throw new Error("ModuleIO: load during save")
  }
  loadLongDouble(): number {
    throw new Error("ModuleIO: load during save")
  }
  isIOError(): boolean {
    return false
  }
  getDbId(): number {
    return this.db
  }
  getKeyName(): string {
    return this.key
  }
}

/**
 * The ModuleIO of an `rdb_load`/`aux_load`: each load expects its opcode; a wrong opcode or a
 * short read sets the IO error (module.c `moduleRDBLoadError` with HANDLE_IO_ERRORS) and returns 0.
 */
export class LoadingModuleIO implements ModuleIO {
  private failed = false

  constructor(
    private readonly reader: ByteReader,
    private readonly key: string,
    private readonly db: number
  ) {}

  private expect(opcode: number): boolean {
    if (this.failed) return false
    try {
      if (this.reader.len() === opcode) return true
    } catch {
      // a short read or a bad length: an IO error like any other
    }
    this.failed = true
    return false
  }

  private guard<A>(opcode: number, zero: A, read: () => A): A {
    if (!this.expect(opcode)) return zero
    try {
      return read()
    } catch {
      this.failed = true
      return zero
    }
  }

  loadUnsigned(): bigint {
    return this.guard(T.MODULE_OPCODE_UINT, 0n, () => this.reader.len64())
  }
  loadSigned(): bigint {
    return BigInt.asIntN(64, this.loadUnsigned())
  }
  loadStringBuffer(): string {
    return this.guard(T.MODULE_OPCODE_STRING, "", () => this.reader.string())
  }
  loadString(): string {
    return bytesToText(this.loadStringBuffer())
  }
  loadDouble(): number {
    return this.guard(T.MODULE_OPCODE_DOUBLE, 0, () => this.reader.f64le())
  }
  loadFloat(): number {
    return this.guard(T.MODULE_OPCODE_FLOAT, 0, () => this.reader.f32le())
  }
  loadLongDouble(): number {
    if (this.failed) return 0
    const s = this.loadStringBuffer()
    return this.failed ? 0 : parseLongDouble(s)
  }
  saveUnsigned(): void {
    throw new Error("ModuleIO: save during load")
  }
  saveSigned(): void {
    throw new Error("ModuleIO: save during load")
  }
  saveString(): void {
    throw new Error("ModuleIO: save during load")
  }
  saveStringBuffer(): void {
    throw new Error("ModuleIO: save during load")
  }
  saveDouble(): void {
    throw new Error("ModuleIO: save during load")
  }
  saveFloat(): void {
    throw new Error("ModuleIO: save during load")
  }
  saveLongDouble(): void {
    throw new Error("ModuleIO: save during load")
  }
  isIOError(): boolean {
    return this.failed
  }
  getDbId(): number {
    return this.db
  }
  getKeyName(): string {
    return this.key
  }
}
