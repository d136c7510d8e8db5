import { differentialSuite, type Sequence } from "./support/differential.js"

/**
 * Transactions and server commands compared byte for byte with redis-server 7.0 (one connection per
 * sequence). Valkey 8 differs from Redis 7.0 on nested MULTI / WATCH inside MULTI (valkey#723).
 */
const VALKEY_8_NO_MULTI = "Valkey 8 rejects MULTI/WATCH inside MULTI as no_multi commands (valkey#723)"

const transactions: ReadonlyArray<Sequence> = [
  {
    name: "MULTI/EXEC basics",
    commands: [["MULTI"], ["SET", "k", "v"], ["GET", "k"], ["PING"], ["EXEC"], ["GET", "k"]]
  },
  {
    name: "empty transaction",
    commands: [["MULTI"], ["EXEC"]]
  },
  {
    name: "DISCARD",
    commands: [["SET", "k", "a"], ["MULTI"], ["DEL", "k"], ["DISCARD"], ["GET", "k"], ["DISCARD"], ["EXEC"]]
  },
  {
    name: "EXECABORT after a wrong arity",
    commands: [["MULTI"], ["SET", "k"], ["GET", "k", "x"], ["EXEC"], ["EXEC"]]
  },
  {
    name: "SHUTDOWN is not allowed inside MULTI",
    commands: [["MULTI"], ["SHUTDOWN"], ["EXEC"]]
  },
  {
    name: "errors inside EXEC are array elements",
    commands: [["MULTI"], ["SET", "a", "1"], ["SWAPDB", "0", "99"], ["SET", "b", "2"], ["EXEC"], ["GET", "b"]]
  },
  {
    name: "WATCH, own write before MULTI",
    commands: [["SET", "x", "30"], ["WATCH", "x"], ["SET", "x", "40"], ["MULTI"], ["PING"], ["EXEC"]]
  },
  {
    name: "WATCH, UNWATCH clears the dirty flag",
    commands: [["SET", "x", "30"], ["WATCH", "x"], ["SET", "x", "40"], ["UNWATCH"], ["MULTI"], ["PING"], ["EXEC"]]
  },
  {
    name: "WATCH, not modified",
    commands: [["WATCH", "x", "y", "z"], ["WATCH", "k"], ["MULTI"], ["PING"], ["EXEC"]]
  },
  {
    name: "FLUSHALL touches existing watched keys only",
    commands: [
      ["SET", "x", "30"],
      ["WATCH", "x"],
      ["FLUSHALL"],
      ["MULTI"],
      ["PING"],
      ["EXEC"],
      ["WATCH", "x"],
      ["FLUSHALL"],
      ["MULTI"],
      ["PING"],
      ["EXEC"]
    ]
  },
  {
    name: "SWAPDB touches watched keys that exist on either side",
    commands: [
      ["SELECT", "1"],
      ["SET", "x", "30"],
      ["SELECT", "0"],
      ["WATCH", "x"],
      ["SWAPDB", "0", "1"],
      ["MULTI"],
      ["PING"],
      ["EXEC"],
      ["SWAPDB", "0", "1"]
    ]
  },
  {
    name: "WATCH remembers the database",
    commands: [["SELECT", "5"], ["SET", "x", "30"], ["WATCH", "x"], ["SELECT", "1"], ["SET", "x", "10"], ["SELECT", "5"], ["MULTI"], ["PING"], ["EXEC"], ["FLUSHALL"]]
  },
  {
    name: "DISCARD clears the dirty flag and unwatches",
    commands: [["WATCH", "x"], ["SET", "x", "10"], ["MULTI"], ["DISCARD"], ["MULTI"], ["GET", "x"], ["EXEC"]]
  },
  {
    name: "blocking commands inside MULTI act as if timed out",
    commands: [
      ["MULTI"],
      ["BLPOP", "empty", "0"],
      ["BRPOP", "empty", "0"],
      ["BLMOVE", "empty", "d", "LEFT", "LEFT", "0"],
      ["BRPOPLPUSH", "empty", "d", "0"],
      ["BLMPOP", "0", "1", "empty", "LEFT"],
      ["RPUSH", "full", "x"],
      ["BLPOP", "full", "0"],
      ["EXEC"]
    ]
  },
  {
    name: "WATCH considers keys touched by EXPIRE",
    commands: [["SET", "x", "foo"], ["WATCH", "x"], ["EXPIRE", "x", "10"], ["MULTI"], ["PING"], ["EXEC"]]
  },
  {
    name: "WATCH, DEL of a missing key is no change",
    commands: [["WATCH", "x"], ["DEL", "x"], ["MULTI"], ["PING"], ["EXEC"], ["SET", "x", "1"], ["WATCH", "x"], ["DEL", "x"], ["MULTI"], ["PING"], ["EXEC"]]
  },
  {
    name: "a transaction's own writes do not abort it",
    commands: [["WATCH", "x"], ["MULTI"], ["INCR", "x"], ["INCR", "x"], ["GET", "x"], ["EXEC"], ["MULTI"], ["INCR", "x"], ["EXEC"]]
  },
  {
    name: "INFO keyspace counts keys and TTLs",
    commands: [["SET", "a", "1"], ["SELECT", "2"], ["SET", "b", "1"], ["INFO", "keyspace"], ["FLUSHALL"]]
  },
  {
    name: "nested MULTI",
    commands: [["MULTI"], ["MULTI"], ["EXEC"]],
    skip: VALKEY_8_NO_MULTI
  },
  {
    name: "WATCH inside MULTI",
    commands: [["MULTI"], ["WATCH", "x"], ["EXEC"]],
    skip: VALKEY_8_NO_MULTI
  }
]

const server: ReadonlyArray<Sequence> = [
  {
    name: "DBSIZE, FLUSHDB, FLUSHALL and their arguments",
    commands: [
      ["SET", "a", "1"],
      ["SET", "b", "1"],
      ["DBSIZE"],
      ["FLUSHDB", "foo"],
      ["FLUSHDB", "ASYNC", "SYNC"],
      ["FLUSHDB", "sync"],
      ["DBSIZE"],
      ["SET", "a", "1"],
      ["FLUSHALL", "ASYNC"],
      ["DBSIZE"],
      ["DBSIZE", "x"]
    ]
  },
  {
    name: "SWAPDB",
    commands: [
      ["SET", "k", "in0"],
      ["SELECT", "1"],
      ["SET", "k", "in1"],
      ["SWAPDB", "0", "1"],
      ["GET", "k"],
      ["SWAPDB", "1", "1"],
      ["SWAPDB", "a", "1"],
      ["SWAPDB", "1", "b"],
      ["SWAPDB", "1", "16"],
      ["SWAPDB", "-1", "0"],
      ["SWAPDB", "99999999999", "0"],
      ["SWAPDB", "0"],
      ["FLUSHALL"]
    ]
  },
  {
    name: "SHUTDOWN argument errors",
    commands: [["SHUTDOWN", "foo"], ["SHUTDOWN", "NOSAVE", "SAVE"], ["SHUTDOWN", "ABORT", "NOW"], ["SHUTDOWN", "ABORT"]]
  },
  {
    name: "INFO of an unknown section is empty",
    commands: [["INFO", "nosuchsection"], ["INFO", "cluster"]]
  }
]

differentialSuite("differential: transactions and server commands", { transactions, server })
