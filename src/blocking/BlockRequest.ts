// BlockRequest is a contract between commands, the dispatcher and the blocker: it lives in contracts/.
// src/modules still imports it from here.
export { BlockRequest } from "../contracts/BlockRequest.js"
