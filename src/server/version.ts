/** What HELLO and INFO report: keyfiber speaks Valkey 8.1's protocol and semantics. */
export const SERVER_NAME = "valkey"
export const SERVER_VERSION = "8.1.0"
