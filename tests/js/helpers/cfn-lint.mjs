// cfn-lint (scripts/setup-python.sh installs it): the script on PATH, or through python3
// (installed, not on PATH).
import { spawnSync } from 'node:child_process';

/** `[command, args before the file]` to run cfn-lint with, or `undefined` when it is not installed. */
export function cfnLintCommand() {
  const candidates = [
    ['cfn-lint', []],
    ['python3', ['-c', 'import sys; from cfnlint.runner import main; sys.exit(main())']],
  ];
  for (const [command, prefix] of candidates) {
    const probe = spawnSync(command, [...prefix, '--version'], { encoding: 'utf8' });
    if (probe.status === 0) return [command, prefix];
  }
  return undefined;
}
