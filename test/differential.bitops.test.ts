import { differentialSuite, type Sequence } from "./support/differential.js"

/** SETBIT and GETBIT (bitops.c), compared byte for byte with redis-server 7.0. */
const bits: ReadonlyArray<Sequence> = [
  {
    name: "SETBIT grows the string with zero bytes and replies the old bit; GETBIT reads past the end as 0",
    commands: [
      ["SETBIT", "b", "1", "1"],
      ["GET", "b"],
      ["SETBIT", "b", "1", "1"],
      ["SETBIT", "b", "1", "0"],
      ["SETBIT", "b", "23", "1"],
      ["GET", "b"],
      ["STRLEN", "b"],
      ["GETBIT", "b", "23"],
      ["GETBIT", "b", "22"],
      ["GETBIT", "b", "100000"],
      ["GETBIT", "missing", "0"],
      ["SETBIT", "b", "0", "0"],
      ["STRLEN", "b"]
    ]
  },
  {
    name: "on strings and integer-encoded strings",
    commands: [
      ["SET", "s", "@"],
      ["GETBIT", "s", "1"],
      ["SETBIT", "s", "2", "1"],
      ["SETBIT", "s", "7", "1"],
      ["GET", "s"],
      ["SET", "n", "1"],
      ["GETBIT", "n", "2"],
      ["GETBIT", "n", "3"],
      ["SETBIT", "n", "6", "1"],
      ["GET", "n"],
      ["SET", "bin", "\xff\x00"],
      ["SETBIT", "bin", "0", "0"],
      ["SETBIT", "bin", "15", "1"],
      ["GET", "bin"]
    ]
  },
  {
    name: "errors: wrong type, offsets, bit values, arity",
    commands: [
      ["LPUSH", "l", "x"],
      ["SETBIT", "l", "0", "1"],
      ["GETBIT", "l", "0"],
      ["SETBIT", "k", "-1", "1"],
      ["SETBIT", "k", "4294967296", "1"],
      ["SETBIT", "k", "abc", "1"],
      ["GETBIT", "k", "-1"],
      ["GETBIT", "k", "4294967296"],
      ["SETBIT", "k", "0", "2"],
      ["SETBIT", "k", "0", "-1"],
      ["SETBIT", "k", "0", "x"],
      ["SETBIT", "k", "0"],
      ["GETBIT", "k"],
      ["EXISTS", "k"]
    ]
  }
]

differentialSuite("differential: bitmaps", { bits })
