/** The slice of a logger core needs (pino's fits); core does not depend on the HTTP framework. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
