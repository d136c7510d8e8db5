import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import { bytesToText } from "../protocol/ReplyValue.js"

/** An argument update refused by the module's Schema; nothing was changed. */
export class RuntimeArgsError extends Data.TaggedError("RuntimeArgsError")<{
  readonly module: string
  readonly message: string
}> {}

/** The current arguments: as text (UTF-8 decoded, what the Schema decodes) and their decoded form. */
export interface ArgsState<A> {
  readonly raw: ReadonlyArray<string>
  readonly value: A
}

/**
 * One module's runtime arguments (Valkey's `loadmod->argv`), in a `SubscriptionRef` so the module
 * can follow changes as a `Stream`. When the module declares an `argsSchema`, every value is
 * decoded by it: loading fails and `updateRuntimeArgs` is refused when it does not decode.
 *
 * The arguments are kept as given, as the server's byte strings (`bytes`: MODULE LIST and CONFIG
 * REWRITE print exactly them); the module and its Schema see them as text (UTF-8 decoded).
 */
export class RuntimeArgs<A = ReadonlyArray<string>> {
  private readonly listeners = new Set<(state: ArgsState<A>) => void>()

  private constructor(
    readonly module: string,
    private readonly schema: Schema.Codec<A, any> | undefined,
    private readonly ref: SubscriptionRef.SubscriptionRef<ArgsState<A>>,
    private current: ArgsState<A>,
    private currentBytes: ReadonlyArray<string>
  ) {}

  /** Decodes `text` (the arguments as text) with the module's Schema (the identity without one). */
  static decode<A>(
    module: string,
    schema: Schema.Codec<A, any> | undefined,
    text: ReadonlyArray<string>
  ): Result.Result<A, RuntimeArgsError> {
    if (schema === undefined) return Result.succeed(text as unknown as A)
    return Schema.decodeUnknownResult(schema)(text).pipe(
      Result.mapError(
        (e) => new RuntimeArgsError({ module, message: e.message.replace(/\s*\n\s*/g, " ") })
      )
    )
  }

  /** `bytes`: the arguments as the server's byte strings (as the client or the config file gave them). */
  static make<A>(
    module: string,
    schema: Schema.Codec<A, any> | undefined,
    bytes: ReadonlyArray<string>
  ): Result.Result<RuntimeArgs<A>, RuntimeArgsError> {
    const text = bytes.map(bytesToText)
    return Result.map(RuntimeArgs.decode(module, schema, text), (value) => {
      const state: ArgsState<A> = { raw: text, value }
      return new RuntimeArgs(module, schema, Effect.runSync(SubscriptionRef.make(state)), state, [...bytes])
    })
  }

  /** The arguments as text. */
  get raw(): ReadonlyArray<string> {
    return this.current.raw
  }

  /** The arguments as the server's byte strings, exactly as given. */
  get bytes(): ReadonlyArray<string> {
    return this.currentBytes
  }

  get value(): A {
    return this.current.value
  }

  /** Replaces the arguments (byte strings), or refuses (changing nothing) when they fail the Schema. */
  set(bytes: ReadonlyArray<string>): Result.Result<A, RuntimeArgsError> {
    const text = bytes.map(bytesToText)
    const decoded = RuntimeArgs.decode(this.module, this.schema, text)
    if (Result.isSuccess(decoded)) {
      this.current = { raw: text, value: decoded.success }
      this.currentBytes = [...bytes]
      Effect.runSync(SubscriptionRef.set(this.ref, this.current))
      for (const f of this.listeners) f(this.current)
    }
    return decoded
  }

  /** Calls `f` synchronously after every change; returns the unsubscribe. */
  subscribe(f: (state: ArgsState<A>) => void): () => void {
    this.listeners.add(f)
    return () => this.listeners.delete(f)
  }

  /** The current value, then every change. */
  get changes(): Stream.Stream<ArgsState<A>> {
    return SubscriptionRef.changes(this.ref)
  }
}
