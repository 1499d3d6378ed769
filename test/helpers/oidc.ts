// Mints Google-like OIDC tokens signed by a local key and serves the matching certs, so the push
// authenticator is exercised for real (signature, audience, expiry) without Google.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT } from 'jose';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
export const TEST_KID = 'test-key-1';
const CERTS = { [TEST_KID]: publicKey.export({ type: 'spki', format: 'pem' }) as string };

export interface MintOptions {
  aud: string;
  email: string;
  emailVerified?: boolean;
  iss?: string;
  /** Seconds from now until expiry; negative = already expired. */
  expSec?: number;
  kid?: string;
  /** Sign with a key the certs server does not know. */
  foreignKey?: boolean;
}

export function mintToken(c: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + (c.expSec ?? 3600);
  return new SignJWT({ email: c.email, email_verified: c.emailVerified ?? true, sub: '1234567890', azp: '1234567890' })
    .setProtectedHeader({ alg: 'RS256', kid: c.kid ?? TEST_KID, typ: 'JWT' })
    .setIssuer(c.iss ?? 'https://accounts.google.com')
    .setAudience(c.aud)
    .setIssuedAt(Math.min(now, exp - 60))
    .setExpirationTime(exp)
    .sign(c.foreignKey ? other.privateKey : privateKey);
}

/** The token as Cloud Run forwards it after IAM checked it: signature replaced. */
export function stripSignature(token: string): string {
  const [h, p] = token.split('.');
  return `${h}.${p}.SIGNATURE_REMOVED_BY_GOOGLE`;
}

/** An unsigned ("alg: none") token with the given claims. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}

export async function startCertsServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' });
    res.end(JSON.stringify(CERTS));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/oauth2/v1/certs`,
    hits: () => hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
