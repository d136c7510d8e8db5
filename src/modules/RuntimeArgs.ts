import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"

/** An argument update refused by the module's Schema; nothing was changed. */
export class RuntimeArgsError extends Data.TaggedError("RuntimeArgsError")<{
  readonly module: string
  readonly message: string
}> {}

/** The current arguments: the strings as given (MODULE LIST, CONFIG REWRITE) and their decoded form. */
export interface ArgsState<A> {
  readonly raw: ReadonlyArray<string>
  readonly value: A
}

/**
 * One module's runtime arguments (Valkey's `loadmod->argv`), in a `SubscriptionRef` so the module
 * can follow changes as a `Stream`. When the module declares an `argsSchema`, every value is
 * decoded by it: loading fails and `updateRuntimeArgs` is refused when it does not decode.
 */
export class RuntimeArgs<A = ReadonlyArray<string>> {
  private readonly listeners = new Set<(state: ArgsState<A>) => void>()

  private constructor(
    readonly module: string,
    private readonly schema: Schema.Codec<A, any> | undefined,
    private readonly ref: SubscriptionRef.SubscriptionRef<ArgsState<A>>,
    private current: ArgsState<A>
  ) {}

  /** Decodes `raw` with the module's Schema (the identity without one). */
  static decode<A>(
    module: string,
    schema: Schema.Codec<A, any> | undefined,
    raw: ReadonlyArray<string>
  ): Result.Result<A, RuntimeArgsError> {
    if (schema === undefined) return Result.succeed(raw as unknown as A)
    return Schema.decodeUnknownResult(schema)(raw).pipe(
      Result.mapError(
        (e) => new RuntimeArgsError({ module, message: e.message.replace(/\s*\n\s*/g, " ") })
      )
    )
  }

  static make<A>(
    module: string,
    schema: Schema.Codec<A, any> | undefined,
    raw: ReadonlyArray<string>
  ): Result.Result<RuntimeArgs<A>, RuntimeArgsError> {
    return Result.map(RuntimeArgs.decode(module, schema, raw), (value) => {
      const state: ArgsState<A> = { raw: [...raw], value }
      return new RuntimeArgs(module, schema, Effect.runSync(SubscriptionRef.make(state)), state)
    })
  }

  get raw(): ReadonlyArray<string> {
    return this.current.raw
  }

  get value(): A {
    return this.current.value
  }

  /** Replaces the arguments, or refuses (changing nothing) when they fail the Schema. */
  set(raw: ReadonlyArray<string>): Result.Result<A, RuntimeArgsError> {
    const decoded = RuntimeArgs.decode(this.module, this.schema, raw)
    if (Result.isSuccess(decoded)) {
      this.current = { raw: [...raw], value: decoded.success }
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
