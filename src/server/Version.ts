/** The Redis OSS version Valkey reports for compatibility (it never exceeds 7.2.x). */
export const REDIS_VERSION = "7.2.4"
/** The Valkey version whose behaviour keyfiber follows. */
export const VALKEY_VERSION = "8.1.0"
/** keyfiber's own version; keep in step with package.json. */
export const KEYFIBER_VERSION = "0.1.0"
/** INFO `server_name`. */
export const SERVER_NAME = "valkey"
