import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { runCli, type CliSpec } from './run-cli.js';

class ToolError extends Error {}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) },
  };
}

const spec = (run: CliSpec<{ limit: { type: 'string' } }>['run']) => ({
  name: 'tool',
  usage: 'usage: tool [--limit N] <name>',
  options: { limit: { type: 'string' as const } },
  allowPositionals: true,
  userErrors: [ToolError],
  run,
});

describe('runCli', () => {
  it('when the arguments parse, then the command gets them and its result is the exit code', async () => {
    const { io } = capture();
    let seen: unknown;
    const code = await runCli(
      spec(({ values, positionals }) => {
        seen = { limit: values.limit, positionals };
        return 3;
      }),
      ['--limit', '5', 'a'],
      io,
    );
    expect(code).toBe(3);
    expect(seen).toEqual({ limit: '5', positionals: ['a'] });
  });

  it('when an option is unknown, then the message and the usage go to stderr and it exits 2', async () => {
    const { io, err } = capture();
    let ran = false;
    const code = await runCli(
      spec(() => void (ran = true)),
      ['--limt', '5'],
      io,
    );
    expect({ code, ran }).toEqual({ code: 2, ran: false });
    expect(err.join('\n')).toMatch(/^tool: Unknown option '--limt'.*\n\nusage: tool/s);
  });

  it('when --help is given, then the usage goes to stdout and the command does not run', async () => {
    const { io, out } = capture();
    const code = await runCli(
      spec(() => 1),
      ['-h'],
      io,
    );
    expect({ code, out }).toEqual({ code: 0, out: ['usage: tool [--limit N] <name>'] });
  });

  it('when the command throws AppError.usage, then it exits 2 with the message and the usage', async () => {
    const { io, err } = capture();
    const code = await runCli(
      spec(() => {
        throw AppError.usage('a name is required');
      }),
      [],
      io,
    );
    expect({ code, err }).toEqual({
      code: 2,
      err: ['tool: a name is required\n\nusage: tool [--limit N] <name>'],
    });
  });

  it("when the command throws the user's error, then only its message is shown and it exits 1", async () => {
    for (const error of [
      new ToolError('services/x already exists'),
      AppError.unavailable('down'),
    ]) {
      const { io, err } = capture();
      const code = await runCli(
        spec(() => {
          throw error;
        }),
        [],
        io,
      );
      expect({ code, err }).toEqual({ code: 1, err: [`tool: ${error.message}`] });
    }
  });

  it('when the command throws anything else, then it is a bug: the stack is shown and it exits 1', async () => {
    const { io, err } = capture();
    const code = await runCli(
      spec(() => {
        throw new TypeError('x is undefined');
      }),
      [],
      io,
    );
    expect(code).toBe(1);
    expect(err[0]).toMatch(/^tool failed: TypeError: x is undefined\n\s+at /);
  });

  it('when the command parses argv itself, then it gets argv untouched and --help still answers', async () => {
    const { io, out } = capture();
    let argv: string[] = [];
    const own = {
      name: 'own',
      usage: 'usage: own',
      run: (args: { argv: string[] }) => void (argv = args.argv),
    };
    expect(await runCli(own, ['--anything', 'x'], io)).toBe(0);
    expect(argv).toEqual(['--anything', 'x']);
    expect(await runCli(own, ['--help'], io)).toBe(0);
    expect(out).toEqual(['usage: own']);
  });
});
