/**
 * Runs the CLI the two ways a user meets it: in-process through runCli (fast, for most tests) and as a
 * real child process from source through tsx (signals, exit codes, stdin, real stdout buffering).
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../cli/runtime.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** In-process: the same parsing, errors and exit codes as the binary, without a process per call. */
export async function runCliInProcess(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; signal?: AbortSignal } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const readOut = collect(stdout);
  const readErr = collect(stderr);
  const code = await runCli(
    args,
    {
      stdout,
      stderr,
      stdin: Readable.from(options.stdin ? [options.stdin] : []),
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? process.cwd(),
    },
    options.signal ? { signal: options.signal } : {},
  );
  stdout.end();
  stderr.end();
  return { code, stdout: readOut(), stderr: readErr() };
}

const tsxLoader = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const mainScript = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

/** The command line that runs the CLI from source as a child process. */
export function cliCommand(): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', tsxLoader, mainScript] };
}

/** As a child process, exactly as `ledgertap …` runs (from source through tsx). */
export function spawnCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const { command, args: base } = cliCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...base, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
