import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { FetchError } from './errors.ts';
import { checkUrlHost, guardedLookup, isBlockedAddress } from './policy.ts';

describe('isBlockedAddress', () => {
  for (const address of ['169.254.169.254', '169.254.170.2', '169.254.0.1', 'fe80::1', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16', '::ffff:169.254.169.254']) {
    it(`blocks ${address}`, () => assert.equal(isBlockedAddress(address), true));
  }
  for (const address of ['127.0.0.1', '10.0.0.1', '52.216.0.1', '::1', '2600:1f18::1', 'storage.googleapis.com']) {
    it(`allows ${address}`, () => assert.equal(isBlockedAddress(address), false));
  }
});

describe('checkUrlHost', () => {
  it('refuses a literal metadata address unless the administrator allows it', () => {
    assert.throws(() => checkUrlHost(new URL('http://169.254.169.254/latest'), { allowMetadataAddresses: false }), FetchError);
    assert.throws(() => checkUrlHost(new URL('http://[fd00:ec2::254]/'), { allowMetadataAddresses: false }), FetchError);
    checkUrlHost(new URL('http://169.254.169.254/latest'), { allowMetadataAddresses: true });
    checkUrlHost(new URL('http://127.0.0.1:9000/'), { allowMetadataAddresses: false });
  });
});

describe('guardedLookup', () => {
  it('resolves allowed names as dns.lookup does', async () => {
    const lookup = promisify(guardedLookup({ allowMetadataAddresses: false }) as (h: string, o: object, cb: (e: Error | null, a: string, f: number) => void) => void);
    assert.equal(await lookup('localhost', { family: 4 }), '127.0.0.1');
  });

  it('refuses a name that resolves to a blocked address', async () => {
    // An IP literal goes through the resolver unchanged, as a name pointing there would.
    const lookup = promisify(guardedLookup({ allowMetadataAddresses: false }) as (h: string, o: object, cb: (e: Error | null, a: string) => void) => void);
    await assert.rejects(lookup('169.254.169.254', {}), /link-local and cloud metadata addresses are not allowed/);
  });
});
