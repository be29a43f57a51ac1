/** Thrown when configuration is missing or malformed; the message names the variable, never its value. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
