import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boolean, ConfigError, emptyMeansUnset, httpUrl, integer, keyValues, nonEmpty, parseFlags, type Flag } from './flags.ts';

const TABLE = {
  name: { parse: nonEmpty },
  port: { parse: integer(0, 65535), fallback: 8080 },
  verbose: { parse: boolean, fallback: false },
  labels: { parse: keyValues, fallback: {} as Record<string, string> },
  endpoint: { parse: emptyMeansUnset(httpUrl), optional: true },
} satisfies Record<string, Flag<unknown>>;

test('flags win over the environment; defaults fill the rest; a bare boolean means true', () => {
  const { values, errors } = parseFlags(TABLE, ['--name=a', '--verbose', '--labels', 'x=1,y=2'], { APP_NAME: 'b', APP_PORT: '9', APP_ENDPOINT: '' }, { envPrefix: 'APP_' });
  assert.deepEqual(errors, []);
  assert.deepEqual(values, { name: 'a', port: 9, verbose: true, labels: { x: '1', y: '2' }, endpoint: undefined });
});

test('every problem is collected: unknown flags and stray words, missing values, bad values, required flags, unknown variables', () => {
  const { errors } = parseFlags(TABLE, ['--port', '-1', '--nope', 'stray', '--endpoint', 'ftp://x', '--labels'], { APP_VERBOSE: 'yes', APP_TYPO: '1', OTHER: 'x' }, { envPrefix: 'APP_', strictEnv: true });
  assert.deepEqual(errors, [
    'unknown flag --nope',
    'unexpected argument "stray"',
    '--labels needs a value',
    'unknown environment variable APP_TYPO',
    '--name (or APP_NAME) is required',
    '--port must be an integer in [0, 65535]',
    '--verbose must be true or false',
    '--endpoint must be an http:// or https:// URL',
  ]);
  assert.deepEqual(parseFlags(TABLE, ['--name', 'a'], { APP_TYPO: '1' }, { envPrefix: 'APP_' }).errors, [], 'variables are only checked when strictEnv is set');
});

test('ConfigError names its subject and lists every problem', () => {
  assert.equal(new ConfigError(['a', 'b'], 'operator').message, 'invalid operator configuration:\n  a\n  b');
  assert.equal(new ConfigError(['a']).message, 'invalid configuration:\n  a');
});
