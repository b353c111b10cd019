// A loopback OpenID issuer for the web-identity test: the discovery document
// and JWKS that MinIO's STS reads at start-up, and tokens shaped like the
// kubelet's projected service-account tokens (iss, sub
// system:serviceaccount:<ns>:<name>, aud, exp), signed RS256 with a key made
// here. The signature is node:crypto's; only the JWT framing is assembled.
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcIssuer {
  issuer: string;
  configUrl: string;
  token(claims: { sub: string; aud: string; expiresInSeconds?: number }): string;
  close(): Promise<void>;
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startOidcIssuer(): Promise<OidcIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'modelship-test';
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      res.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/keys`,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    } else if (req.url === '/keys') {
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    configUrl: `${issuer}/.well-known/openid-configuration`,
    token: ({ sub, aud, expiresInSeconds = 600 }) => {
      const now = Math.floor(Date.now() / 1000);
      const signed = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ iss: issuer, sub, aud, iat: now, nbf: now, exp: now + expiresInSeconds })}`;
      return `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
