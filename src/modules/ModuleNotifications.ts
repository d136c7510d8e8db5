import type { UnlinkCause } from "../keyspace/Keyspace.js"
import { bytesToBuffer, bytesToText } from "../protocol/ReplyValue.js"
import type { Server } from "../server/Server.js"
import { KEY_SUBEVENTS, type KeyspaceNotification, MODULE_OPTIONS, type ModuleContext, NOTIFY, type ServerEvents } from "./api.js"
import type { LoadedModule } from "./LoadedModule.js"
import { ModuleKey } from "./ModuleKey.js"

/** A module's keyspace subscription (module.c `ValkeyModuleKeyspaceSubscriber`). */
interface Subscriber {
  readonly module: LoadedModule
  readonly types: number
  readonly callback: KeyspaceNotification
  /** Its callback is running: it is not called again for what it causes (unless nested are allowed). */
  active: boolean
}

interface KeyListener {
  readonly module: LoadedModule
  readonly callback: ServerEvents["key"]
}

const UNLINK_SUBEVENT: Record<UnlinkCause, number> = {
  deleted: KEY_SUBEVENTS.DELETED,
  expired: KEY_SUBEVENTS.EXPIRED,
  evicted: KEY_SUBEVENTS.EVICTED,
  overwritten: KEY_SUBEVENTS.OVERWRITTEN
}

/**
 * keyfiber's event classes as module `NOTIFY` bits: the same up to `m` (KEY_MISS); the server's `d`
 * and `n` sit one and two bits lower than Valkey's (which keeps 1 << 12 for the module-only LOADED).
 */
const moduleNotifyType = (type: number): number => (type & 0xfff) | ((type & (1 << 12)) << 1) | ((type & (1 << 13)) << 1)

/** Module `NOTIFY` bits as the server's event classes (the module-only LOADED has none). */
export const serverNotifyType = (type: number): number => (type & 0xfff) | ((type >> 1) & (1 << 12)) | ((type >> 1) & (1 << 13))

/** What running module code here needs of the module system. */
export interface NotificationHost {
  readonly server: Server
  /** A context for `module` with no client, `db` selected (Valkey's TEMP_CLIENT contexts). */
  context(module: LoadedModule, db: number): ModuleContext<any>
  moduleFault(module: LoadedModule, what: string, e: unknown): void
}

/**
 * Modules' keyspace notifications (module.c `VM_SubscribeToKeyspaceEvents`,
 * `moduleNotifyKeyspaceEvent`), post-notification jobs (`VM_AddPostNotificationJob`,
 * `firePostExecutionUnitJobs`) and the `key` server event (`moduleNotifyKeyUnlink`). The server's
 * hooks (`PubSub.moduleNotify`, `Keyspace.onUnlink`) are set only while some module listens, so
 * the write path pays a null check otherwise.
 */
export class ModuleNotifications {
  private subscribers: Array<Subscriber> = []
  private keyListeners: Array<KeyListener> = []

  constructor(private readonly host: NotificationHost) {}

  subscribe(module: LoadedModule, types: number, callback: KeyspaceNotification): void {
    this.subscribers.push({ module, types, callback, active: false })
    this.install()
  }

  subscribeKeyEvent(module: LoadedModule, callback: ServerEvents["key"] | null): void {
    // One callback per module and event, as Valkey's `VM_SubscribeToServerEvent` (null removes it).
    this.keyListeners = this.keyListeners.filter((l) => l.module !== module)
    if (callback !== null) this.keyListeners.push({ module, callback })
    this.install()
  }

  /** Forgets an unloaded module's subscriptions. */
  forget(module: LoadedModule): void {
    this.subscribers = this.subscribers.filter((s) => s.module !== module)
    this.keyListeners = this.keyListeners.filter((l) => l.module !== module)
    this.install()
  }

  /** `VM_AddPostNotificationJob`: runs `job` at the end of the execution unit. */
  addJob<P>(module: LoadedModule, db: number, job: (ctx: ModuleContext<any>, privdata: P) => void, privdata: P, free?: (privdata: P) => void): void {
    this.host.server.postUnitJobs.push(() => {
      try {
        job(this.host.context(module, db), privdata)
      } catch (e) {
        this.host.moduleFault(module, "post-notification job", e)
      }
      if (free === undefined) return
      try {
        free(privdata)
      } catch (e) {
        this.host.moduleFault(module, "post-notification job's free", e)
      }
    })
  }

  private install(): void {
    const { pubsub, keyspace } = this.host.server
    const any = this.subscribers.length > 0
    pubsub.moduleNotify = any ? (type, event, key, db) => this.notify(moduleNotifyType(type), event, key, db) : null
    keyspace.onKeyLoaded = any ? (db, key) => this.notify(NOTIFY.LOADED, "loaded", key, db) : null
    keyspace.onUnlink = this.keyListeners.length > 0 ? (db, key, cause) => this.unlink(db, key, cause) : null
  }

  /** `moduleNotifyKeyspaceEvent`: `type` in module `NOTIFY` bits, `key` the server's byte string. */
  private notify(type: number, event: string, key: string, db: number): void {
    const server = this.host.server
    // What callbacks write is propagated with the command that fired them (Valkey enters an
    // execution unit here, for notifications outside commands: expiry, eviction).
    server.nesting++
    try {
      for (const sub of this.subscribers.slice()) {
        if ((sub.types & type) === 0 || sub.module.unloaded) continue
        if (sub.active && (sub.module.options & MODULE_OPTIONS.ALLOW_NESTED_KEYSPACE_NOTIFICATIONS) === 0) continue
        const wasActive = sub.active
        sub.active = true
        server.keyspace.lazyExpireDisabled++
        try {
          sub.callback(this.host.context(sub.module, db), type, event, bytesToText(key), () => bytesToBuffer(key))
        } catch (e) {
          this.host.moduleFault(sub.module, "keyspace notification", e)
        } finally {
          server.keyspace.lazyExpireDisabled--
          sub.active = wasActive
        }
      }
    } finally {
      server.nesting--
    }
  }

  private unlink(db: number, key: string, cause: UnlinkCause): void {
    const subevent = UNLINK_SUBEVENT[cause]
    for (const listener of this.keyListeners.slice()) {
      if (listener.module.unloaded) continue
      try {
        listener.callback(this.host.context(listener.module, db), subevent, { key: new ModuleKey(this.host.server.keyspace, db, key) })
      } catch (e) {
        this.host.moduleFault(listener.module, "key event", e)
      }
    }
  }
}
