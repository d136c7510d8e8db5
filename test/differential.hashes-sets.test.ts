import { differentialSuite, type Sequence } from "./support/differential.js"

/**
 * Hash and set sequences compared byte for byte with redis-server 7.0. Redis 7.0 has no listpack
 * sets (7.2 added them, Valkey has them), so set replies compared here are deterministic in both:
 * intsets (ascending), single members, counts and errors.
 */
const hashes: ReadonlyArray<Sequence> = [
  {
    name: "empty fields and values, large numbers, listpack HSCAN ignores the cursor",
    commands: [
      ["HSET", "h", "", ""],
      ["HGET", "h", ""],
      ["HSTRLEN", "h", ""],
      ["HEXISTS", "h", ""],
      ["HINCRBYFLOAT", "h", "f", "1e20"],
      ["HINCRBYFLOAT", "h", "g", "-0"],
      ["HINCRBYFLOAT", "h", "g", "0x10"],
      ["HINCRBYFLOAT", "h", "e", "1.23e-5"],
      ["HINCRBY", "h", "n", "-0"],
      ["HINCRBY", "h", "n", "+1"],
      ["HINCRBY", "h", "n", "01"],
      ["HSCAN", "h", "5"],
      ["HSCAN", "h", "0", "MATCH", "[fg]", "COUNT", "1"],
      ["HGETALL", "h"],
      ["HMGET", "h"],
      ["HDEL", "h"],
      ["HRANDFIELD", "h", "1", "2"]
    ]
  },
  {
    name: "HSET/HGET/HMGET/HGETALL/HKEYS/HVALS in listpack order",
    commands: [
      ["HSET", "h", "a", "1", "b", "2", "c", "3"],
      ["HSET", "h", "b", "20", "d", "4"],
      ["HGET", "h", "b"],
      ["HGET", "h", "nope"],
      ["HGET", "nokey", "a"],
      ["HMGET", "h", "a", "nope", "d"],
      ["HMGET", "nokey", "a", "b"],
      ["HGETALL", "h"],
      ["HKEYS", "h"],
      ["HVALS", "h"],
      ["HGETALL", "nokey"],
      ["HKEYS", "nokey"],
      ["HDEL", "h", "b"],
      ["HGETALL", "h"],
      ["HLEN", "h"],
      ["HLEN", "nokey"],
      ["TYPE", "h"],
      ["OBJECT", "ENCODING", "h"]
    ]
  },
  {
    name: "HSET/HMSET arity and HSETNX",
    commands: [
      ["HSET", "h", "a"],
      ["HSET", "h", "a", "1", "b"],
      ["HMSET", "h", "a", "1", "b"],
      ["HMSET", "h", "a", "1", "b", "2"],
      ["HSETNX", "h", "a", "x"],
      ["HSETNX", "h", "c", "3"],
      ["HSETNX", "new", "f", "v"],
      ["HGETALL", "h"],
      ["HGETALL", "new"],
      ["HSET", "h"],
      ["HSETNX", "h", "x"]
    ]
  },
  {
    name: "HDEL deletes empty hashes; HEXISTS, HSTRLEN",
    commands: [
      ["HSET", "h", "a", "hello", "b", ""],
      ["HSTRLEN", "h", "a"],
      ["HSTRLEN", "h", "b"],
      ["HSTRLEN", "h", "nope"],
      ["HSTRLEN", "nokey", "a"],
      ["HEXISTS", "h", "a"],
      ["HEXISTS", "h", "nope"],
      ["HEXISTS", "nokey", "a"],
      ["HDEL", "h", "nope"],
      ["HDEL", "h", "a", "a", "b", "c"],
      ["EXISTS", "h"],
      ["HDEL", "h", "a"],
      ["TYPE", "h"]
    ]
  },
  {
    name: "WRONGTYPE on every hash command",
    commands: [
      ["SET", "s", "v"],
      ["HSET", "s", "a", "1"],
      ["HMSET", "s", "a", "1"],
      ["HSETNX", "s", "a", "1"],
      ["HGET", "s", "a"],
      ["HMGET", "s", "a"],
      ["HGETALL", "s"],
      ["HKEYS", "s"],
      ["HVALS", "s"],
      ["HDEL", "s", "a"],
      ["HLEN", "s"],
      ["HSTRLEN", "s", "a"],
      ["HEXISTS", "s", "a"],
      ["HINCRBY", "s", "a", "1"],
      ["HINCRBYFLOAT", "s", "a", "1"],
      ["HRANDFIELD", "s"],
      ["HRANDFIELD", "s", "2"],
      ["HSCAN", "s", "0"],
      ["HSET", "h", "a", "1"],
      ["GET", "h"],
      ["LPUSH", "h", "x"],
      ["SADD", "h", "x"]
    ]
  },
  {
    name: "HINCRBY",
    commands: [
      ["HINCRBY", "h", "n", "5"],
      ["HINCRBY", "h", "n", "-12"],
      ["HINCRBY", "h", "n", "abc"],
      ["HINCRBY", "h", "n", "1.5"],
      ["HSET", "h", "s", "text", "big", "9223372036854775806", "sp", " 1"],
      ["HINCRBY", "h", "s", "1"],
      ["HINCRBY", "h", "sp", "1"],
      ["HINCRBY", "h", "big", "1"],
      ["HINCRBY", "h", "big", "1"],
      ["HINCRBY", "h", "n", "-9223372036854775808"],
      ["HINCRBY", "h", "n", "9223372036854775808"],
      ["HGETALL", "h"],
      ["HINCRBY", "nokey", "f", "x"],
      ["EXISTS", "nokey"]
    ]
  },
  {
    name: "HINCRBYFLOAT",
    commands: [
      ["HINCRBYFLOAT", "h", "f", "0.1"],
      ["HINCRBYFLOAT", "h", "f", "0.2"],
      ["HINCRBYFLOAT", "h", "f", "1e3"],
      ["HINCRBYFLOAT", "h", "f", "-1000.3"],
      ["HINCRBYFLOAT", "h", "f", "abc"],
      ["HINCRBYFLOAT", "h", "f", "inf"],
      ["HINCRBYFLOAT", "h", "f", "nan"],
      ["HINCRBYFLOAT", "h", "f", " 1"],
      ["HSET", "h", "s", "text", "i", "10"],
      ["HINCRBYFLOAT", "h", "s", "1"],
      ["HINCRBYFLOAT", "h", "i", "2.5"],
      ["HINCRBYFLOAT", "h", "i", "1.5e400"],
      ["HINCRBYFLOAT", "h", "i", "5.0e3"],
      ["HGET", "h", "f"],
      ["HGET", "h", "s"]
    ]
  },
  {
    name: "HRANDFIELD argument errors and empty replies",
    commands: [
      ["HRANDFIELD", "nokey"],
      ["HRANDFIELD", "nokey", "3"],
      ["HRANDFIELD", "nokey", "-3", "WITHVALUES"],
      ["HSET", "h", "a", "1"],
      ["HRANDFIELD", "h"],
      ["HRANDFIELD", "h", "0"],
      ["HRANDFIELD", "h", "1"],
      ["HRANDFIELD", "h", "1", "WITHVALUES"],
      ["HRANDFIELD", "h", "5", "withvalues"],
      ["HRANDFIELD", "h", "-2"],
      ["HRANDFIELD", "h", "-2", "WITHVALUES"],
      ["HRANDFIELD", "h", "x"],
      ["HRANDFIELD", "h", "1", "WITHSCORES"],
      ["HRANDFIELD", "h", "1", "WITHVALUES", "x"],
      ["HRANDFIELD", "h", "-9223372036854775808"],
      ["HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"],
      ["HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"]
    ]
  },
  {
    name: "HSCAN on a listpack hash",
    commands: [
      ["HSET", "h", "a", "1", "b", "2", "ab", "3"],
      ["HSCAN", "h", "0"],
      ["HSCAN", "h", "0", "MATCH", "a*"],
      ["HSCAN", "h", "0", "COUNT", "1"],
      ["HSCAN", "h", "0", "COUNT", "0"],
      ["HSCAN", "h", "0", "COUNT", "x"],
      ["HSCAN", "h", "0", "MATCH"],
      ["HSCAN", "h", "0", "FOO", "bar"],
      ["HSCAN", "h", "abc"],
      ["HSCAN", "nokey", "0"],
      ["HSCAN", "nokey", "abc"],
      ["HSCAN", "h", "0", "NOVALUES"],
      ["HSCAN", "h", "0", "TYPE", "string"]
    ],
    skip: "NOVALUES is Redis 7.4/Valkey 8; covered in test/hashes.test.ts"
  },
  {
    name: "HSCAN on a listpack hash (7.0 options)",
    commands: [
      ["HSET", "h", "a", "1", "b", "2", "ab", "3"],
      ["HSCAN", "h", "0"],
      ["HSCAN", "h", "0", "MATCH", "a*"],
      ["HSCAN", "h", "0", "COUNT", "1"],
      ["HSCAN", "h", "0", "COUNT", "0"],
      ["HSCAN", "h", "0", "COUNT", "x"],
      ["HSCAN", "h", "0", "MATCH"],
      ["HSCAN", "h", "0", "FOO", "bar"],
      ["HSCAN", "h", "abc"],
      ["HSCAN", "nokey", "0"],
      ["HSCAN", "nokey", "abc"]
    ]
  },
  {
    name: "hash encodings follow the listpack limits",
    commands: [
      ["HSET", "h", "f", "x".repeat(64)],
      ["OBJECT", "ENCODING", "h"],
      ["HSET", "h", "g", "x".repeat(65)],
      ["OBJECT", "ENCODING", "h"],
      ["HDEL", "h", "g"],
      ["OBJECT", "ENCODING", "h"],
      ["HSET", "k", "y".repeat(65), "1"],
      ["OBJECT", "ENCODING", "k"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "2"],
      ["HSET", "e", "a", "1", "b", "2"],
      ["OBJECT", "ENCODING", "e"],
      ["HSET", "e", "c", "3"],
      ["OBJECT", "ENCODING", "e"],
      ["HINCRBYFLOAT", "f", "x", "1"],
      ["HINCRBY", "f", "y", "1"],
      ["OBJECT", "ENCODING", "f"],
      ["HINCRBY", "f", "z", "1"],
      ["OBJECT", "ENCODING", "f"],
      ["CONFIG", "SET", "hash-max-listpack-entries", "512"],
      ["COPY", "e", "e3"],
      ["OBJECT", "ENCODING", "e3"],
      ["COPY", "f", "f2"],
      ["HLEN", "f2"],
      ["HGET", "f2", "z"]
    ]
  }
]

const sets: ReadonlyArray<Sequence> = [
  {
    name: "non-canonical integers are strings; same-key operations",
    commands: [
      ["SADD", "s", "1", "+1", "01", "-0", " 1", "1"],
      ["SCARD", "s"],
      ["SISMEMBER", "s", "+1"],
      ["SMISMEMBER", "s", "1", "01", "001"],
      ["SADD", "i", "1", "2"],
      ["SINTER", "i", "i"],
      ["SINTERCARD", "2", "i", "i"],
      ["SUNION", "i", "i"],
      ["SDIFF", "i", "i"],
      ["SINTERSTORE", "i", "i", "i"],
      ["SMEMBERS", "i"],
      ["SDIFF", "nokey", "i"],
      ["SET", "str", "x"],
      ["SDIFF", "nokey", "str"],
      ["SINTERCARD", "1", "str"],
      ["SMISMEMBER", "s"],
      ["SSCAN", "i", "18446744073709551615"],
      ["SSCAN", "i", "18446744073709551616"],
      ["SSCAN", "i", "5 "]
    ]
  },
  {
    name: "SADD/SREM/SCARD/SISMEMBER/SMISMEMBER on an intset",
    commands: [
      ["SADD", "s", "3", "1", "2", "1"],
      ["SADD", "s", "-5", "10"],
      ["SMEMBERS", "s"],
      ["SCARD", "s"],
      ["SCARD", "nokey"],
      ["SISMEMBER", "s", "2"],
      ["SISMEMBER", "s", "02"],
      ["SISMEMBER", "nokey", "2"],
      ["SMISMEMBER", "s", "1", "4", "10"],
      ["SMISMEMBER", "nokey", "1", "2"],
      ["SREM", "s", "1", "4"],
      ["SREM", "nokey", "1"],
      ["SMEMBERS", "s"],
      ["SMEMBERS", "nokey"],
      ["TYPE", "s"],
      ["OBJECT", "ENCODING", "s"],
      ["SREM", "s", "-5", "2", "3", "10"],
      ["EXISTS", "s"]
    ]
  },
  {
    name: "WRONGTYPE on every set command",
    commands: [
      ["SET", "str", "v"],
      ["SADD", "s", "1"],
      ["SADD", "str", "a"],
      ["SREM", "str", "a"],
      ["SCARD", "str"],
      ["SISMEMBER", "str", "a"],
      ["SMISMEMBER", "str", "a"],
      ["SMEMBERS", "str"],
      ["SPOP", "str"],
      ["SPOP", "str", "2"],
      ["SRANDMEMBER", "str"],
      ["SRANDMEMBER", "str", "2"],
      ["SMOVE", "str", "s", "a"],
      ["SMOVE", "s", "str", "1"],
      ["SMOVE", "nokey", "str", "1"],
      ["SINTER", "s", "str"],
      ["SINTER", "nokey", "str"],
      ["SINTERCARD", "2", "s", "str"],
      ["SINTERSTORE", "d", "s", "str"],
      ["SUNION", "s", "str"],
      ["SUNIONSTORE", "d", "s", "str"],
      ["SDIFF", "s", "str"],
      ["SDIFF", "nokey", "str"],
      ["SDIFFSTORE", "d", "s", "str"],
      ["SSCAN", "str", "0"],
      ["SINTERSTORE", "str", "s"],
      ["TYPE", "str"],
      ["EXISTS", "d"]
    ]
  },
  {
    name: "SPOP and SRANDMEMBER argument errors and edge counts",
    commands: [
      ["SPOP", "nokey"],
      ["SPOP", "nokey", "2"],
      ["SPOP", "nokey", "-1"],
      ["SPOP", "nokey", "x"],
      ["SPOP", "s", "1", "2"],
      ["SRANDMEMBER", "nokey"],
      ["SRANDMEMBER", "nokey", "2"],
      ["SRANDMEMBER", "nokey", "-2"],
      ["SRANDMEMBER", "nokey", "x"],
      ["SRANDMEMBER", "nokey", "-9223372036854775808"],
      ["SRANDMEMBER", "s", "1", "2"],
      ["SADD", "s", "7"],
      ["SPOP", "s", "0"],
      ["SRANDMEMBER", "s"],
      ["SRANDMEMBER", "s", "0"],
      ["SRANDMEMBER", "s", "5"],
      ["SRANDMEMBER", "s", "-3"],
      ["SPOP", "s"],
      ["EXISTS", "s"],
      ["SADD", "s", "1", "2", "3"],
      ["SPOP", "s", "10"],
      ["EXISTS", "s"],
      ["SADD", "s", "1", "2", "3"],
      ["SRANDMEMBER", "s", "3"],
      ["SRANDMEMBER", "s", "100"]
    ]
  },
  {
    name: "SMOVE",
    commands: [
      ["SADD", "a", "1", "2"],
      ["SADD", "b", "3"],
      ["SMOVE", "a", "b", "1"],
      ["SMOVE", "a", "b", "9"],
      ["SMOVE", "nokey", "b", "1"],
      ["SMOVE", "a", "a", "2"],
      ["SMOVE", "a", "a", "9"],
      ["SMEMBERS", "a"],
      ["SMEMBERS", "b"],
      ["SMOVE", "a", "c", "2"],
      ["EXISTS", "a"],
      ["SMEMBERS", "c"],
      ["OBJECT", "ENCODING", "c"],
      ["SMOVE", "b", "c", "3"],
      ["SMEMBERS", "c"]
    ]
  },
  {
    name: "SINTER/SINTERCARD/SINTERSTORE",
    commands: [
      ["SADD", "a", "1", "2", "3", "4", "5"],
      ["SADD", "b", "2", "3", "5", "7"],
      ["SADD", "c", "3", "5", "9"],
      ["SINTER", "a", "b", "c"],
      ["SINTER", "a"],
      ["SINTER", "a", "nokey"],
      ["SINTERCARD", "3", "a", "b", "c"],
      ["SINTERCARD", "2", "a", "b", "LIMIT", "2"],
      ["SINTERCARD", "2", "a", "b", "LIMIT", "0"],
      ["SINTERCARD", "2", "a", "b", "limit", "-1"],
      ["SINTERCARD", "2", "a", "b", "LIMIT", "x"],
      ["SINTERCARD", "2", "a", "b", "LIMIT"],
      ["SINTERCARD", "2", "a", "b", "FOO", "1"],
      ["SINTERCARD", "0", "a"],
      ["SINTERCARD", "-1", "a"],
      ["SINTERCARD", "x", "a"],
      ["SINTERCARD", "3", "a", "b"],
      ["SINTERCARD", "1", "nokey"],
      ["SINTERSTORE", "d", "a", "b"],
      ["SMEMBERS", "d"],
      ["OBJECT", "ENCODING", "d"],
      ["SINTERSTORE", "d", "a", "nokey"],
      ["EXISTS", "d"],
      ["SET", "d", "string"],
      ["SINTERSTORE", "d", "a", "c"],
      ["TYPE", "d"],
      ["SINTERSTORE", "d", "b", "nokey"],
      ["EXISTS", "d"]
    ]
  },
  {
    name: "SUNION/SDIFF and their STORE forms",
    commands: [
      ["SADD", "a", "1", "2", "3"],
      ["SADD", "b", "3", "4"],
      ["SADD", "c", "1", "10"],
      ["SUNION", "a", "b", "c"],
      ["SUNION", "nokey"],
      ["SUNION", "nokey", "b"],
      ["SDIFF", "a", "b", "c"],
      ["SDIFF", "a", "nokey"],
      ["SDIFF", "nokey", "a"],
      ["SDIFF", "a", "a"],
      ["SDIFF", "a", "b", "a"],
      ["SUNIONSTORE", "d", "a", "b", "c"],
      ["SMEMBERS", "d"],
      ["SDIFFSTORE", "d", "a", "b"],
      ["SMEMBERS", "d"],
      ["SDIFFSTORE", "d", "a", "a"],
      ["EXISTS", "d"],
      ["SUNIONSTORE", "d", "nokey"],
      ["SET", "d", "x"],
      ["SUNIONSTORE", "d", "b"],
      ["TYPE", "d"],
      ["SDIFFSTORE", "d", "nokey", "a"],
      ["EXISTS", "d"],
      ["SUNIONSTORE", "a", "a", "b"],
      ["SMEMBERS", "a"]
    ]
  },
  {
    name: "SSCAN on an intset",
    commands: [
      ["SADD", "s", "5", "1", "3", "12"],
      ["SSCAN", "s", "0"],
      ["SSCAN", "s", "0", "MATCH", "1*"],
      ["SSCAN", "s", "0", "COUNT", "1"],
      ["SSCAN", "s", "0", "COUNT", "0"],
      ["SSCAN", "s", "x"],
      ["SSCAN", "nokey", "0"],
      ["SSCAN", "s", "0", "TYPE", "set"]
    ]
  },
  {
    name: "intset limits",
    commands: [
      ["CONFIG", "SET", "set-max-intset-entries", "3"],
      ["SADD", "s", "1", "2", "3"],
      ["OBJECT", "ENCODING", "s"],
      ["SADD", "s", "4"],
      ["OBJECT", "ENCODING", "s"],
      ["SADD", "t", "1", "2", "3", "4"],
      ["SADD", "u", "9223372036854775807", "-9223372036854775808", "0"],
      ["SMEMBERS", "u"],
      ["OBJECT", "ENCODING", "u"],
      ["CONFIG", "SET", "set-max-intset-entries", "512"],
      ["SINTERSTORE", "d", "s", "t"],
      ["OBJECT", "ENCODING", "d"],
      ["SMEMBERS", "d"]
    ]
  }
]

differentialSuite("differential: hashes and sets", { hashes, sets })
