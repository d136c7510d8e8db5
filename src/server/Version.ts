// The versions moved to contracts/ (config/ and commands/ read them too); src/main.ts still imports them from here.
export { KEYFIBER_VERSION, VALKEY_VERSION, versionLine } from "../contracts/Version.js"
