/**
 * textbytes: the module API's rule for text and bytes, command by command (see docs/modules.md,
 * "Text and bytes"). A JS string given to the server is text, sent and stored as its UTF-8 bytes;
 * a Uint8Array is bytes, sent and stored exactly. What the server gives back comes as text (argv,
 * stringGet, replies.text) or as bytes (argvBytes(), stringGetBytes, replies.bytes).
 *
 *   TEXT.APPEND s suffix        s + suffix, as text (UTF-8 in, UTF-8 out)
 *   TEXT.LEN s                  the length of s as a JS string (UTF-16 code units)
 *   TEXT.ECHO s                 s as text: bulk string
 *   TEXT.KINDS s                s as a simple string, a verbatim string, a map key and value, an error
 *   TEXT.CALL key value         SET key value through ctx.call, GET it back, read it with replies.text
 *   TEXT.KEY key value          openKey(key).stringSet(value), then stringGet()
 *   TEXT.LIST key value         listPush(tail, value), then listPop(tail)
 *   TEXT.CONFIG                 the module's textbytes.greeting config value, as the module holds it
 *   BYTES.ECHO b                b, exactly (argvBytes)
 *   BYTES.CALL key value        SET/GET through ctx.call with Buffers, read with replies.bytes
 *   BYTES.KEY key value         openKey(bytes).stringSet(bytes), then stringGetBytes()
 *   BYTES.LIST key value        listPush with bytes, then listPopBytes
 *   TEXTBYTES.ARGS              the module's runtime arguments: their text (what the Schema saw)
 *
 * Its arguments must decode with the Schema below: none, or the text `café` (so a UTF-8 `café`
 * from MODULE LOADEX or the config file matches `Schema.Literal("café")`).
 */
import { Schema } from "effect"
import { defineModule } from "keyfiber/module"
import type { ModuleContext } from "keyfiber/module"

/** No argument, or exactly the text `café`. */
const Args = Schema.Union([Schema.Tuple([]), Schema.Tuple([Schema.Literal("café")])])

let greeting = "hello"

const arity = (n: number, f: (ctx: ModuleContext, argv: Array<string>) => void) => (ctx: ModuleContext, argv: Array<string>) =>
  argv.length !== n ? ctx.wrongArity() : f(ctx, argv)

export default defineModule({
  name: "textbytes",
  version: 1,
  argsSchema: Args,
  onLoad: (ctx) => {
    const commands: Array<[string, (ctx: ModuleContext, argv: Array<string>) => void]> = [
      ["text.append", arity(3, (c, [, s, suffix]) => c.replyWithString(s + suffix))],
      ["text.len", arity(2, (c, [, s]) => c.replyWithLongLong(s.length))],
      ["text.echo", arity(2, (c, [, s]) => c.replyWithString(s))],
      [
        "text.kinds",
        arity(2, (c, [, s]) => {
          c.replyWithArray(4)
          c.replyWithSimpleString(s)
          c.replyWithVerbatimString(s)
          c.replyWithMap(1)
          c.replyWithString(s)
          c.replyWithString(s)
          c.replyWithError(`ERR ${s}`)
        })
      ],
      [
        "text.call",
        arity(3, (c, [, key, value]) => {
          c.call("SET", key, value)
          c.replyWithString(c.replies.text(c.call("GET", key)!) as string)
        })
      ],
      [
        "text.key",
        arity(3, (c, [, key, value]) => {
          const k = c.openKey(key)
          k.stringSet(value)
          c.replyWithString(k.stringGet()!)
        })
      ],
      [
        "text.list",
        arity(3, (c, [, key, value]) => {
          const k = c.openKey(key)
          k.listPush("tail", value)
          c.replyWithString(k.listPop("tail")!)
        })
      ],
      ["text.config", arity(1, (c) => c.replyWithString(greeting))],
      ["bytes.echo", arity(2, (c) => c.replyWithString(c.argvBytes()[1]))],
      [
        "bytes.call",
        arity(3, (c) => {
          const [, key, value] = c.argvBytes()
          c.call("SET", key, value)
          c.replyWithString(c.replies.bytes(c.call("GET", key)!) as Buffer)
        })
      ],
      [
        "bytes.key",
        arity(3, (c) => {
          const [, key, value] = c.argvBytes()
          const k = c.openKey(key)
          k.stringSet(value)
          c.replyWithString(k.stringGetBytes()!)
        })
      ],
      [
        "bytes.list",
        arity(3, (c) => {
          const [, key, value] = c.argvBytes()
          const k = c.openKey(key)
          k.listPush("tail", value)
          c.replyWithString(k.listPopBytes("tail")!)
        })
      ],
      [
        "textbytes.args",
        arity(1, (c) => {
          const args = c.getRuntimeArgsRaw()
          c.replyWithArray(args.length)
          for (const a of args) c.replyWithString(a)
        })
      ]
    ]
    for (const [name, handler] of commands) if (ctx.createCommand(name, handler, { flags: "write" }) === "ERR") return "ERR"
    greeting = "hello"
    const registered = ctx.registerStringConfig("greeting", "hello", "default", {
      get: () => greeting,
      set: (_name, value) => {
        greeting = value
      }
    })
    if (registered === "ERR") return "ERR"
    return ctx.loadConfigs()
  }
})
