#!/usr/bin/env node
// Runs one replica's command for the process provisioner and ties its life to the server's:
// `replica-keeper.mjs PROGRAM ARGS...`. The server holds this process's stdin open; when the server
// is gone, even killed with SIGKILL, the kernel closes that pipe, and the keeper stops the replica, so
// no replica outlives the server that started it (the next leader starts its own). It prints the
// replica's pid as its first line, forwards SIGTERM, and exits as the replica did.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';

const [program, ...args] = process.argv.slice(2);
const GRACE_MS = 4_000;
const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'inherit'] });
let stopping = false;

function stop() {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), GRACE_MS).unref();
}

child.once('spawn', () => process.stdout.write(`pid ${child.pid}\n`));
child.once('error', (error) => {
  process.stderr.write(`replica could not start: ${error.message}\n`);
  process.exit(127);
});
child.once('exit', (code, signal) => {
  if (code !== null) process.exit(code);
  // Die of the same signal, so that the server reads the same exit as the replica's.
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100);
});
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
