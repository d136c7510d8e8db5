import { KEYFIBER_VERSION, VALKEY_VERSION } from "./Version.js"

/**
 * The start-up logo (server.c `serverAsciiArt`), written raw to the log. Its text lines are
 * Valkey's: the version, the mode, the port and the PID (Valkey's test suite reads the PID here).
 */
export const asciiLogo = (port: number, pid: number): string =>
  [
    "",
    "      .-~~~~-.",
    "    .'  .--.  '.        keyfiber " + KEYFIBER_VERSION + " (valkey " + VALKEY_VERSION + ") 64 bit",
    "   /   /    \\   \\",
    "  |   |  kf  |   |      Running in standalone mode",
    "  |   |      |   |      Port: " + port,
    "   \\   \\    /   /       PID: " + pid,
    "    '.  '--'  .'",
    "      '-~~~~-'",
    ""
  ].join("\n")
