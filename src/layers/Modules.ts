import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import { Blocking } from "../blocking/Blocking.js"
import { installFaultNet } from "../modules/ModuleFault.js"
import type { LoadRequest } from "../modules/ModuleLoader.js"
import { moduleCommand, moduleList } from "../modules/moduleCommand.js"
import { moduleTypeCodecs } from "../modules/ModuleDataType.js"
import { ModuleLoadError, ModuleRegistry } from "../modules/Modules.js"
import { setInfoHooks } from "../server/Info.js"
import { registered } from "./registered.js"
import { ServerCore } from "./ServerCore.js"

export interface ModulesOptions {
  /** `loadmodule` requests to load at startup, in order (config file and command line). */
  readonly load?: ReadonlyArray<LoadRequest>
  /** How long MODULE LOAD waits for an `async` onLoad (default 10 s). */
  readonly onLoadTimeoutMs?: number
}

/**
 * The module system as a service; its layer registers MODULE and everything the module system
 * hooks into (blocking drain and timers, HELLO's module list, CONFIG REWRITE's `loadmodule` lines,
 * the CONFIG change event), unregistered when the layer is released.
 */
export class Modules extends Context.Service<Modules, ModuleRegistry>()("keyfiber/Modules") {
  static readonly make = (options: ModulesOptions = {}) =>
    Effect.gen(function* () {
      const server = yield* ServerCore
      const engine = yield* Blocking
      const context = yield* Effect.context<never>()
      const registry = new ModuleRegistry(server, engine, context, options.onLoadTimeoutMs)
      yield* registered(engine.beforeResume.addHook(() => registry.blocking.drain()))
      yield* registered(engine.beforeTimeouts.addHook((now) => registry.fireDueTimers(now)))
      server.commands.register(moduleCommand(registry))
      yield* registered(server.hooks.moduleList.addHook(() => moduleList(registry)))
      yield* registered(server.hooks.moduleTypes.fillSlot(moduleTypeCodecs(() => registry.loaded.flatMap((m) => m.types))))
      setInfoHooks(server, {
        moduleLines: () =>
          registry.loaded.map((m) => `module:name=${m.name},ver=${m.version},api=1,filters=0,usedby=[],using=[],options=[]`)
      })
      const config = server.config
      yield* registered(config.loadmoduleProvider.fillSlot(() => registry.loaded.map((m) => ({ path: m.path, args: m.args.bytes }))))
      yield* registered(config.changeListeners.addHook((names) => registry.notifyConfigChange(names)))
      yield* Effect.addFinalizer(() => registry.shutdown())
      yield* Effect.acquireRelease(
        Effect.sync(() => installFaultNet((message) => server.log("warning", message), registry.files)),
        (uninstall) => Effect.sync(uninstall)
      )
      // `loadmodule` lines of the config file and command line, then the options', in order.
      for (const request of [...config.loadQueue, ...(options.load ?? [])]) {
        const result = yield* Effect.promise(() => registry.load(request))
        if (Result.isFailure(result)) {
          server.log("warning", `Can't load module from ${request.path}: server aborting`)
          return yield* Effect.fail(new ModuleLoadError(`Can't load module from ${request.path}: ${result.failure}`))
        }
      }
      if (registry.pendingConfigs.size > 0) {
        for (const name of registry.pendingConfigs.keys()) server.log("warning", `Unused Module Configuration: ${name}`)
        const message = "Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting"
        server.log("warning", message)
        return yield* Effect.fail(new ModuleLoadError(message))
      }
      return registry
    })

  static readonly layer = (options: ModulesOptions = {}) => Layer.effect(Modules, Modules.make(options))
}
