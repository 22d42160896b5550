import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from './app-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type ErrorClass = abstract new (...args: never[]) => Error;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/** What parseArgs makes of `options`: `values` as a command receives them. */
export type CliValues<O extends Options> = Parsed<O>['values'];

export interface CliSpec<O extends Options> {
  /** In front of every error line: `dlq: --limit must be ...`. */
  name: string;
  /** Shown with --help / -h (on stdout, exit 0) and after a usage error (on stderr, exit 2). */
  usage: string;
  /**
   * node:util parseArgs options (strict: an unknown option is a usage error); `help` is added.
   * Leave out for a command that parses argv itself (it gets `argv`) and throws
   * `AppError.usage` on misuse.
   */
  options?: O;
  /** Positional arguments are refused unless allowed. */
  allowPositionals?: boolean;
  /**
   * Errors the user can act on besides an operational AppError (a bad name, a server that
   * refuses): the message alone, exit 1. `usageErrors`: the same with exit 2 (bad config).
   */
  userErrors?: readonly ErrorClass[];
  usageErrors?: readonly ErrorClass[];
  /** The command; its result is the exit code (nothing = 0). */
  run(
    args: { values: Parsed<O>['values']; positionals: string[]; argv: string[] },
    io: CliIo,
  ): Promise<number | void> | number | void;
}

const isOneOf = (error: unknown, classes: readonly ErrorClass[] = []) =>
  classes.some((type) => error instanceof type);

/** Node's errors from the system (a port in use, a refused connection, a missing file). */
const isSystemError = (error: unknown) =>
  error instanceof Error && typeof (error as { syscall?: unknown }).syscall === 'string';

/**
 * The one way a flowstack command line runs: parses argv, answers --help, runs the command and
 * turns what it throws into an exit code. Misuse (`AppError.usage`, a parse error) prints the
 * message and the usage and exits 2; a user's error (an operational AppError, a system error
 * such as EADDRINUSE, or a class in `userErrors`) prints its message and exits 1, with no stack
 * trace; anything else is a bug and prints its stack. Returns the code instead of exiting, so commands test in-process:
 * `process.exitCode = await runCli(spec)`.
 */
export async function runCli<O extends Options = Record<never, never>>(
  spec: CliSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
  io: CliIo = processIo,
): Promise<number> {
  const usage = (message: string) => {
    io.err(`${spec.name}: ${message}\n\n${spec.usage}`);
    return 2;
  };
  const args = [...argv];
  let values: Parsed<O>['values'] = {} as Parsed<O>['values'];
  let positionals: string[] = [];
  if (spec.options !== undefined) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
        strict: true,
        allowPositionals: spec.allowPositionals ?? false,
      });
    } catch (error) {
      return usage(error instanceof Error ? error.message : String(error));
    }
    if ((parsed.values as { help?: boolean }).help === true) {
      io.out(spec.usage);
      return 0;
    }
    values = parsed.values;
    positionals = parsed.positionals;
  } else if (args.includes('--help') || args.includes('-h')) {
    io.out(spec.usage);
    return 0;
  }
  try {
    return (await spec.run({ values, positionals, argv: args }, io)) ?? 0;
  } catch (error) {
    if (error instanceof AppError && error.code === 'usage') return usage(error.message);
    if (isOneOf(error, spec.usageErrors)) {
      io.err(`${spec.name}: ${(error as Error).message}`);
      return 2;
    }
    if (
      (error instanceof AppError && error.isOperational) ||
      isSystemError(error) ||
      isOneOf(error, spec.userErrors)
    ) {
      io.err(`${spec.name}: ${(error as Error).message}`);
      return 1;
    }
    io.err(
      `${spec.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return 1;
  }
}
