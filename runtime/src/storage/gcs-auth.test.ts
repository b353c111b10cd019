import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { READ_ONLY_SCOPE, serviceAccountAssertion } from './gcs-auth.ts';

describe('serviceAccountAssertion', () => {
  it('is an RS256 JWT for the token endpoint, verifiable with the public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = {
      type: 'service_account' as const,
      client_email: 'fetch@project.iam.gserviceaccount.com',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      private_key_id: 'kid-1',
      token_uri: 'http://127.0.0.1:1/token',
    };
    const jwt = serviceAccountAssertion(key, new Date('2026-01-01T00:00:00Z'));
    const [header, claims, signature] = jwt.split('.') as [string, string, string];
    assert.deepEqual(JSON.parse(Buffer.from(header, 'base64url').toString()), { alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    assert.deepEqual(JSON.parse(Buffer.from(claims, 'base64url').toString()), {
      iss: key.client_email,
      scope: READ_ONLY_SCOPE,
      aud: key.token_uri,
      iat: 1767225600,
      exp: 1767229200,
    });
    const ok = createVerify('RSA-SHA256').update(`${header}.${claims}`).verify(publicKey, Buffer.from(signature, 'base64url'));
    assert.equal(ok, true);
  });
});
