import { differentialSuite, type Sequence } from "./support/differential.js"

/**
 * Bit command sequences compared byte for byte with redis-server 7.0. Valkey 8 accepts
 * `BITCOUNT key start` without an end and parses BITCOUNT's arguments in another order: those
 * cases are skipped here and checked against Valkey's replies in test/bits.test.ts.
 */

const big = String(8 * 70 * 1024 + 5) // past the 64 KB where writes go through a rope

const setbitGetbit: ReadonlyArray<Sequence> = [
  {
    name: "SETBIT/GETBIT replies, growth and errors",
    commands: [
      ["SETBIT", "k", "7", "1"],
      ["SETBIT", "k", "7", "1"],
      ["SETBIT", "k", "7", "0"],
      ["GETBIT", "k", "7"],
      ["SETBIT", "k", "100", "1"],
      ["STRLEN", "k"],
      ["GET", "k"],
      ["GETBIT", "k", "100"],
      ["GETBIT", "k", "10000"],
      ["GETBIT", "nokey", "0"],
      ["SETBIT", "k", "-1", "1"],
      ["SETBIT", "k", "x", "1"],
      ["SETBIT", "k", "+1", "1"],
      ["SETBIT", "k", "4294967296", "1"],
      ["GETBIT", "k", "4294967296"],
      ["GETBIT", "k", "-1"],
      ["SETBIT", "k", "1", "2"],
      ["SETBIT", "k", "1", "-1"],
      ["SETBIT", "k", "1", "x"],
      ["SETBIT", "k", "1", ""],
      ["SETBIT", "k"],
      ["GETBIT", "k", "1", "2"]
    ]
  },
  {
    name: "SETBIT on integers and text, wrong type",
    commands: [
      ["SET", "n", "12345"],
      ["SETBIT", "n", "1", "0"],
      ["GET", "n"],
      ["GETBIT", "n", "2"],
      ["SET", "t", "\xff\x00\x80"],
      ["SETBIT", "t", "0", "0"],
      ["SETBIT", "t", "8", "1"],
      ["GET", "t"],
      ["LPUSH", "l", "a"],
      ["SETBIT", "l", "0", "1"],
      ["GETBIT", "l", "0"],
      ["SETBIT", "e", "0", "0"],
      ["GET", "e"],
      ["SET", "ttl", "a", "EX", "100"],
      ["SETBIT", "ttl", "0", "1"],
      ["TTL", "ttl"]
    ]
  },
  {
    name: "large bitmap written bit by bit",
    commands: [
      ["SETBIT", "b", big, "1"],
      ["STRLEN", "b"],
      ["SETBIT", "b", "0", "1"],
      ["SETBIT", "b", "33000", "1"],
      ["SETBIT", "b", "524288", "1"],
      ["SETBIT", "b", "33000", "0"],
      ["GETBIT", "b", "0"],
      ["GETBIT", "b", "33000"],
      ["GETBIT", "b", "524288"],
      ["GETBIT", "b", big],
      ["BITCOUNT", "b"],
      ["BITPOS", "b", "1", "1"],
      ["SETBIT", "b", String(8 * 200 * 1024), "1"],
      ["STRLEN", "b"],
      ["BITCOUNT", "b"],
      ["BITPOS", "b", "1", "-1"],
      ["APPEND", "b", "xyz"],
      ["SETBIT", "b", "7", "1"],
      ["GETRANGE", "b", "0", "3"],
      ["GETRANGE", "b", "-4", "-1"],
      ["BITFIELD", "b", "SET", "u8", "#100", "255", "GET", "u16", "796", "INCRBY", "i8", "#100", "1"],
      ["BITCOUNT", "b"]
    ]
  }
]

const bitcount: ReadonlyArray<Sequence> = [
  {
    name: "BITCOUNT byte and bit ranges, negative indexes",
    commands: [
      ["SET", "s", "foobar"],
      ["BITCOUNT", "s"],
      ["BITCOUNT", "s", "0", "0"],
      ["BITCOUNT", "s", "1", "1"],
      ["BITCOUNT", "s", "1", "1", "BYTE"],
      ["BITCOUNT", "s", "5", "30", "BIT"],
      ["BITCOUNT", "s", "5", "30", "bit"],
      ["BITCOUNT", "s", "0", "-1"],
      ["BITCOUNT", "s", "-2", "-1"],
      ["BITCOUNT", "s", "-1", "-2"],
      ["BITCOUNT", "s", "-100", "100"],
      ["BITCOUNT", "s", "-100", "-99"],
      ["BITCOUNT", "s", "3", "1"],
      ["BITCOUNT", "s", "-1", "-1", "BIT"],
      ["BITCOUNT", "s", "-9", "-2", "BIT"],
      ["BITCOUNT", "s", "47", "47", "BIT"],
      ["BITCOUNT", "s", "0", "1000", "BIT"],
      ["BITCOUNT", "s", "1", "1", "FOO"],
      ["BITCOUNT", "s", "x", "1", "FOO"],
      ["BITCOUNT", "s", "x", "1"],
      ["BITCOUNT", "s", "1", "2", "BIT", "extra"],
      ["BITCOUNT", "s", "9223372036854775807", "9223372036854775807"],
      ["BITCOUNT", "s", "-9223372036854775808", "-9223372036854775808", "BIT"],
      ["BITCOUNT", "nokey"],
      ["BITCOUNT", "nokey", "0", "-1", "BIT"],
      ["SET", "n", "-1234"],
      ["BITCOUNT", "n"],
      ["BITCOUNT", "n", "1", "2"],
      ["SET", "empty", ""],
      ["BITCOUNT", "empty"],
      ["BITCOUNT", "empty", "0", "-1"],
      ["LPUSH", "l", "a"],
      ["BITCOUNT", "l"]
    ]
  },
  {
    name: "BITCOUNT with a start only, argument order (Valkey 8)",
    commands: [
      ["SET", "s", "foobar"],
      ["BITCOUNT", "s", "1"],
      ["BITCOUNT", "s", "1", "x", "FOO"],
      ["LPUSH", "l", "a"],
      ["BITCOUNT", "l", "0", "x"]
    ],
    skip: "Redis 7.0 rejects a start without an end, checks the end before BIT|BYTE and looks the key up before parsing the end"
  }
]

const bitpos: ReadonlyArray<Sequence> = [
  {
    name: "BITPOS set and clear bits, end given or not",
    commands: [
      ["SET", "s", "\xff\xf0\x00"],
      ["BITPOS", "s", "0"],
      ["BITPOS", "s", "1"],
      ["BITPOS", "s", "1", "2"],
      ["BITPOS", "s", "0", "0", "0"],
      ["BITPOS", "s", "0", "0"],
      ["BITPOS", "s", "1", "-1"],
      ["BITPOS", "s", "0", "2", "-1"],
      ["BITPOS", "s", "1", "7", "15", "BIT"],
      ["BITPOS", "s", "0", "7", "15", "BIT"],
      ["BITPOS", "s", "0", "0", "11", "BIT"],
      ["BITPOS", "s", "0", "0", "12", "BIT"],
      ["BITPOS", "s", "1", "12", "-1", "BIT"],
      ["BITPOS", "s", "1", "3", "3", "BIT"],
      ["BITPOS", "s", "1", "-3", "-1", "BIT"],
      ["BITPOS", "s", "0", "-9", "-2", "BIT"],
      ["BITPOS", "s", "1", "5", "2"],
      ["BITPOS", "s", "1", "-1", "-5"],
      ["BITPOS", "s", "1", "0", "0", "BYTE"],
      ["BITPOS", "s", "1", "0", "0", "FOO"],
      ["BITPOS", "s", "2"],
      ["BITPOS", "s", "x"],
      ["BITPOS", "s", "1", "x"],
      ["BITPOS", "s", "1", "0", "x"],
      ["BITPOS", "s", "1", "0", "1", "BIT", "extra"],
      ["SET", "ones", "\xff\xff"],
      ["BITPOS", "ones", "0"],
      ["BITPOS", "ones", "0", "0"],
      ["BITPOS", "ones", "0", "0", "-1"],
      ["BITPOS", "ones", "0", "1", "-1", "BIT"],
      ["SET", "zeros", "\x00\x00"],
      ["BITPOS", "zeros", "1"],
      ["BITPOS", "zeros", "0"],
      ["BITPOS", "zeros", "1", "0", "-1", "BIT"],
      ["BITPOS", "nokey", "1"],
      ["BITPOS", "nokey", "0"],
      ["BITPOS", "nokey", "0", "5", "10", "BIT"],
      ["SET", "empty", ""],
      ["BITPOS", "empty", "0"],
      ["BITPOS", "empty", "1"],
      ["SET", "n", "255"],
      ["BITPOS", "n", "1"],
      ["LPUSH", "l", "a"],
      ["BITPOS", "l", "1"]
    ]
  }
]

const bitop: ReadonlyArray<Sequence> = [
  {
    name: "BITOP AND/OR/XOR/NOT, lengths, missing keys",
    commands: [
      ["SET", "a", "\xff\x0f\xaa"],
      ["SET", "b", "\xf0\xf0"],
      ["BITOP", "AND", "d", "a", "b"],
      ["GET", "d"],
      ["BITOP", "or", "d", "a", "b"],
      ["GET", "d"],
      ["BITOP", "Xor", "d", "a", "b", "a"],
      ["GET", "d"],
      ["BITOP", "NOT", "d", "a"],
      ["GET", "d"],
      ["BITOP", "AND", "d", "a", "nokey"],
      ["GET", "d"],
      ["BITOP", "OR", "d", "nokey", "a"],
      ["GET", "d"],
      ["BITOP", "AND", "d", "a"],
      ["GET", "d"],
      ["SET", "long", "0123456789abcdefghijklmnopqrstuvwxyz0123456789"],
      ["SET", "long2", "zyxwvutsrqponmlkjihgfedcba9876543210zyxwvutsrq"],
      ["BITOP", "AND", "d", "long", "long2"],
      ["GET", "d"],
      ["BITOP", "XOR", "d", "long", "long2", "b"],
      ["GET", "d"],
      ["SET", "n", "1234"],
      ["BITOP", "OR", "d", "n", "a"],
      ["GET", "d"],
      ["OBJECT", "ENCODING", "d"],
      ["BITOP", "NOT", "d", "a", "b"],
      ["BITOP", "NOT", "d"],
      ["BITOP", "FOO", "d", "a"],
      ["LPUSH", "l", "x"],
      ["BITOP", "AND", "d", "a", "l"],
      ["BITOP", "AND", "l", "a", "b"],
      ["TYPE", "l"],
      ["SET", "d", "x", "EX", "100"],
      ["BITOP", "AND", "d", "a"],
      ["TTL", "d"],
      ["BITOP", "AND", "d", "nokey", "nokey2"],
      ["EXISTS", "d"],
      ["BITOP", "NOT", "d", "nokey"],
      ["EXISTS", "d"]
    ]
  }
]

const bitfield: ReadonlyArray<Sequence> = [
  {
    name: "BITFIELD GET/SET/INCRBY and overflow",
    commands: [
      ["BITFIELD", "f", "SET", "i8", "0", "-100", "GET", "u8", "0", "INCRBY", "i8", "0", "300"],
      ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "300", "INCRBY", "i8", "0", "-1000"],
      ["BITFIELD", "f", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "300", "GET", "i8", "#0"],
      ["BITFIELD", "f", "overflow", "wrap", "INCRBY", "u4", "3", "20", "GET", "u4", "3"],
      ["BITFIELD", "f", "SET", "u1", "#7", "1", "GET", "u1", "#7", "GET", "i1", "#7"],
      ["BITFIELD", "f", "SET", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1", "GET", "i64", "0"],
      ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1", "INCRBY", "i64", "0", "9223372036854775807"],
      ["BITFIELD", "f", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "1"],
      ["BITFIELD", "f", "SET", "u63", "0", "-1", "OVERFLOW", "WRAP", "SET", "u63", "0", "-1", "GET", "u63", "0"],
      ["BITFIELD", "f", "OVERFLOW", "SAT", "SET", "u8", "0", "-5", "GET", "u8", "0", "SET", "i8", "0", "-500", "GET", "i8", "0"],
      ["BITFIELD", "f", "OVERFLOW", "FAIL", "SET", "u8", "0", "256", "SET", "u8", "0", "255", "INCRBY", "u8", "0", "1", "INCRBY", "u8", "0", "-256"],
      ["BITFIELD", "f", "INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1"],
      ["BITFIELD", "f", "SET", "i5", "13", "15", "GET", "i5", "13", "GET", "u5", "13", "GET", "u17", "9"],
      ["BITFIELD", "f", "GET", "i64", "1000", "GET", "u63", "1", "GET", "i33", "5"],
      ["GET", "f"],
      ["BITFIELD", "f"],
      ["BITFIELD", "nokey", "GET", "u8", "0"],
      ["EXISTS", "nokey"],
      ["BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "u2", "0", "9"],
      ["EXISTS", "new"],
      ["GET", "new"],
      ["SET", "n", "12"],
      ["BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "#1", "0x30"],
      ["BITFIELD", "n", "GET", "u8", "0", "SET", "u8", "#1", "51", "GET", "u16", "0"],
      ["GET", "n"]
    ]
  },
  {
    name: "BITFIELD argument errors",
    commands: [
      ["BITFIELD", "f", "SET", "u64", "0", "1"],
      ["BITFIELD", "f", "GET", "i65", "0"],
      ["BITFIELD", "f", "GET", "u0", "0"],
      ["BITFIELD", "f", "GET", "x8", "0"],
      ["BITFIELD", "f", "GET", "I8", "0"],
      ["BITFIELD", "f", "GET", "u", "0"],
      ["BITFIELD", "f", "GET", "u8", "-1"],
      ["BITFIELD", "f", "GET", "u8", "#-1"],
      ["BITFIELD", "f", "GET", "u8", "#"],
      ["BITFIELD", "f", "GET", "u8", "#x"],
      ["BITFIELD", "f", "GET", "u8", "4294967296"],
      ["BITFIELD", "f", "GET", "u8", "#536870912"],
      ["BITFIELD", "f", "GET", "u8", "+1"],
      ["BITFIELD", "f", "SET", "u8", "0", "x"],
      ["BITFIELD", "f", "INCRBY", "u8", "0", "1.5"],
      ["BITFIELD", "f", "SET", "u8", "0"],
      ["BITFIELD", "f", "GET", "u8"],
      ["BITFIELD", "f", "OVERFLOW"],
      ["BITFIELD", "f", "OVERFLOW", "foo"],
      ["BITFIELD", "f", "FOO", "u8", "0"],
      ["BITFIELD", "f", "GET", "u8", "0", "SET", "u64", "0", "1"],
      ["EXISTS", "f"],
      ["BITFIELD"],
      ["LPUSH", "l", "a"],
      ["BITFIELD", "l", "GET", "u8", "0"],
      ["BITFIELD", "l", "SET", "u8", "0", "1"],
      ["BITFIELD", "l"]
    ]
  },
  {
    name: "BITFIELD_RO",
    commands: [
      ["SET", "s", "\x80\x01"],
      ["BITFIELD_RO", "s", "GET", "u1", "0", "GET", "i16", "0", "GET", "u8", "#1"],
      ["BITFIELD_RO", "s", "SET", "u8", "0", "1"],
      ["BITFIELD_RO", "s", "GET", "u8", "0", "INCRBY", "u8", "0", "1"],
      ["BITFIELD_RO", "s", "OVERFLOW", "SAT", "GET", "u8", "0"],
      ["BITFIELD_RO", "s", "OVERFLOW", "SAT", "SET", "x8", "0", "1"],
      ["BITFIELD_RO", "s"],
      ["BITFIELD_RO", "nokey", "GET", "u8", "0"],
      ["LPUSH", "l", "a"],
      ["BITFIELD_RO", "l", "GET", "u8", "0"],
      ["GET", "s"]
    ]
  }
]

differentialSuite("differential: bits", { setbitGetbit, bitcount, bitpos, bitop, bitfield })
