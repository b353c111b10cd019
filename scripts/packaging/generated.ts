// The CLI ending shared by the doc generators: write the file, or with
// --check fail (exit 1) when the committed file differs from what the
// sources generate now.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export function writeOrCheck(target: string, text: string, regenerate: string): void {
  if (process.argv.includes('--check')) {
    if (!existsSync(target) || readFileSync(target, 'utf8') !== text) {
      console.error(`${target} is out of date: run ${regenerate}`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
