import { differentialSuite, type Sequence } from "./support/differential.js"

/**
 * SORT and SORT_RO (sort.c), compared byte for byte with redis-server 7.0. Sets are compared only
 * where their order cannot show (sorted, or counted): a set's own iteration order is its hash
 * table's.
 */
const sort: ReadonlyArray<Sequence> = [
  {
    name: "numbers and ALPHA, ASC/DESC, LIMIT windows, ties broken by the element's bytes",
    commands: [
      ["RPUSH", "l", "3", "1", "2", "10", "1.5", "-4", "1e2", "0x10", " 7", "", "2"],
      ["SORT", "l"],
      ["SORT", "l", "DESC"],
      ["SORT", "l", "ALPHA"],
      ["SORT", "l", "ALPHA", "DESC"],
      ["SORT", "l", "LIMIT", "2", "3"],
      ["SORT", "l", "LIMIT", "-5", "2"],
      ["SORT", "l", "LIMIT", "20", "2"],
      ["SORT", "l", "LIMIT", "3", "-1"],
      ["SORT", "l", "LIMIT", "0", "0"],
      ["SORT", "l", "DESC", "LIMIT", "1", "4", "ASC"],
      ["SORT_RO", "l", "LIMIT", "1", "2"],
      ["SADD", "s", "5", "3", "9", "1"],
      ["SORT", "s"],
      ["SORT", "s", "DESC", "LIMIT", "1", "2"],
      ["ZADD", "z", "1", "c", "2", "b", "3", "a"],
      ["SORT", "z", "ALPHA"],
      ["SORT", "missing"],
      ["SORT", "missing", "STORE", "dst"]
    ]
  },
  {
    name: "what cannot be sorted as numbers, wrong types and syntax",
    commands: [
      ["RPUSH", "bad", "1", "x"],
      ["SORT", "bad"],
      ["SORT", "bad", "ALPHA"],
      ["RPUSH", "inf", "inf", "-inf", "0", "-Infinity"],
      ["SORT", "inf"],
      ["RPUSH", "nan", "nan"],
      ["SORT", "nan"],
      // Last: Valkey checks strtod's errno without clearing it first, so after an ERANGE a later
      // SORT may fail too until some call resets errno (not reproduced).
      ["RPUSH", "big", "1e400"],
      ["SORT", "big"],
      ["RPUSH", "tiny", "1e-400"],
      ["SORT", "tiny"],
      ["SET", "str", "x"],
      ["SORT", "str"],
      ["SORT", "l", "LIMIT", "1"],
      ["SORT", "l", "LIMIT", "a", "1"],
      ["SORT", "l", "FOO"],
      ["SORT", "l", "BY"],
      ["SORT_RO", "l", "STORE", "x"],
      ["SORT"]
    ]
  },
  {
    name: "BY patterns (keys and hash fields), GET patterns and #, constant BY keeps the order",
    commands: [
      ["RPUSH", "ids", "1", "2", "3", "4"],
      ["MSET", "w_1", "30", "w_2", "10", "w_3", "20", "name_1", "one", "name_2", "two", "name_3", "three"],
      ["HSET", "h_1", "f", "b"],
      ["HSET", "h_2", "f", "a"],
      ["HSET", "h_4", "f", "c"],
      ["SORT", "ids", "BY", "w_*"],
      ["SORT", "ids", "BY", "w_*", "DESC"],
      ["SORT", "ids", "BY", "w_*", "GET", "name_*", "GET", "#", "GET", "h_*->f"],
      ["SORT", "ids", "BY", "h_*->f", "ALPHA"],
      ["SORT", "ids", "BY", "h_*->f", "ALPHA", "DESC", "GET", "#"],
      ["SORT", "ids", "BY", "nosort"],
      ["SORT", "ids", "BY", "nosort", "DESC"],
      ["SORT", "ids", "BY", "nosort", "LIMIT", "1", "2"],
      ["SORT", "ids", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
      ["SORT", "ids", "BY", "nosort", "GET", "name_*"],
      ["SORT", "ids", "GET", "nostar"],
      ["SORT", "ids", "GET", "h_*->"],
      ["ZADD", "z", "3", "1", "1", "2", "2", "3"],
      ["SORT", "z", "BY", "nosort"],
      ["SORT", "z", "BY", "nosort", "DESC", "LIMIT", "0", "2"],
      ["SORT", "z", "BY", "w_*", "GET", "name_*"],
      ["SET", "w_4", "notanumber"],
      ["SORT", "ids", "BY", "w_*"],
      ["SORT", "ids", "BY", "w_*", "ALPHA"]
    ]
  },
  {
    name: "STORE: a list (GET misses stored as empty strings), overwriting, deleting on an empty result",
    commands: [
      ["RPUSH", "l", "3", "1", "2"],
      ["SET", "dst", "old"],
      ["EXPIRE", "dst", "100"],
      ["SORT", "l", "STORE", "dst"],
      ["TYPE", "dst"],
      ["TTL", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["SORT", "l", "GET", "nokey_*", "GET", "#", "STORE", "dst"],
      ["LRANGE", "dst", "0", "-1"],
      ["SADD", "s", "b", "c", "a"],
      ["SORT", "s", "BY", "nosort", "STORE", "sdst"],
      ["LRANGE", "sdst", "0", "-1"],
      ["SORT", "missing", "STORE", "dst"],
      ["EXISTS", "dst"],
      ["SORT", "l", "STORE", "a", "STORE", "b"],
      ["EXISTS", "a", "b"],
      ["COMMAND", "GETKEYS", "SORT", "l", "STORE", "a", "LIMIT", "0", "1", "STORE", "b"],
      ["COMMAND", "GETKEYS", "SORT_RO", "l"]
    ]
  }
]

differentialSuite("differential: SORT", { sort })
