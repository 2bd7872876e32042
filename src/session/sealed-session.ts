import crypto from 'node:crypto';

/**
 * A live session as it may be written to a store that other people can read (a context file on
 * disk): the token encrypted with a key derived from the account's credentials, and a keyed hash
 * in place of a fingerprint of the credentials, so the file alone gives nothing usable.
 */
export interface SealedSession {
  version: 2;
  /** Keyed hash (HMAC-SHA-256) of the settings the session belongs to. */
  fingerprint: string;
  /** Epoch ms of the session's end; not secret. */
  expiresAt: number;
  /** scrypt salt, AES-256-GCM nonce and tag, and the encrypted token, base64. */
  salt: string;
  iv: string;
  tag: string;
  token: string;
}

/** What the account is: the settings a session belongs to, and the secrets the key comes from. */
export interface AccountIdentity {
  baseUrl: string;
  timeout: number;
  apiKey: string;
  clientCode: string;
  password: string;
  totpSecret?: string;
}

// scrypt cost: about 16 MiB and a few tens of ms, paid when a session is saved or read back
const SCRYPT = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;

interface Keys {
  salt: Buffer;
  cipher: Buffer;
  mac: Buffer;
}

function secretMaterial(identity: AccountIdentity): Buffer {
  const { apiKey, clientCode, password, totpSecret } = identity;
  return Buffer.from([apiKey, clientCode, password, totpSecret ?? ''].map((part) => `${part.length}:${part}`).join('\u0000'), 'utf8');
}

function deriveKeys(identity: AccountIdentity, salt: Buffer): Keys {
  const master = crypto.scryptSync(secretMaterial(identity), salt, KEY_BYTES, SCRYPT);
  const sub = (info: string) => Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), info, KEY_BYTES));
  return { salt, cipher: sub('mstock session token'), mac: sub('mstock session fingerprint') };
}

function fingerprintWith(keys: Keys, identity: AccountIdentity): string {
  return crypto.createHmac('sha256', keys.mac).update(`${identity.baseUrl}\u0000${identity.timeout}`).digest('hex');
}

const aad = (fingerprint: string, expiresAt: number) => Buffer.from(`${fingerprint}|${expiresAt}`, 'utf8');

/**
 * Seals and opens the live session of one account. The key is derived once for sealing (with a
 * fresh salt) and again only for an entry sealed with another salt.
 */
export class SessionSeal {
  private ownKeys?: Keys;

  constructor(private readonly identity: AccountIdentity) {}

  seal(session: { sessionToken: string; expiresAt: number }): SealedSession {
    this.ownKeys ??= deriveKeys(this.identity, crypto.randomBytes(16));
    const keys = this.ownKeys;
    const fingerprint = fingerprintWith(keys, this.identity);
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', keys.cipher, iv);
    cipher.setAAD(aad(fingerprint, session.expiresAt));
    const token = Buffer.concat([cipher.update(session.sessionToken, 'utf8'), cipher.final()]);
    return {
      version: 2,
      fingerprint,
      expiresAt: session.expiresAt,
      salt: keys.salt.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      token: token.toString('base64'),
    };
  }

  /** The session in `value` if it was sealed for this account and these settings; else undefined. */
  open(value: unknown): { sessionToken: string; expiresAt: number } | undefined {
    if (!isSealed(value)) return undefined;
    const salt = Buffer.from(value.salt, 'base64');
    const keys = this.ownKeys?.salt.equals(salt) ? this.ownKeys : deriveKeys(this.identity, salt);
    if (fingerprintWith(keys, this.identity) !== value.fingerprint) return undefined;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', keys.cipher, Buffer.from(value.iv, 'base64'));
      decipher.setAAD(aad(value.fingerprint, value.expiresAt));
      decipher.setAuthTag(Buffer.from(value.tag, 'base64'));
      const sessionToken = Buffer.concat([decipher.update(Buffer.from(value.token, 'base64')), decipher.final()]).toString('utf8');
      return { sessionToken, expiresAt: value.expiresAt };
    } catch {
      // tampered with, or sealed with other credentials
      return undefined;
    }
  }

  /**
   * A session kept in plain text by version 0.1 (its fingerprint an unsalted SHA-256 of the
   * settings and credentials), if it belongs to this account. Read once, then sealed anew.
   */
  openLegacy(value: unknown): { sessionToken: string; expiresAt: number } | undefined {
    const v = value as { fingerprint?: unknown; sessionToken?: unknown; expiresAt?: unknown } | null;
    if (typeof v !== 'object' || v === null || typeof v.fingerprint !== 'string' || typeof v.sessionToken !== 'string' || typeof v.expiresAt !== 'number') {
      return undefined;
    }
    const { baseUrl, timeout, apiKey, clientCode, password, totpSecret } = this.identity;
    const hash = crypto.createHash('sha256');
    for (const part of [baseUrl, timeout, apiKey, clientCode, password, totpSecret]) hash.update(`${part ?? ''}\u0000`);
    return hash.digest('hex') === v.fingerprint ? { sessionToken: v.sessionToken, expiresAt: v.expiresAt } : undefined;
  }
}

function isSealed(value: unknown): value is SealedSession {
  const v = value as SealedSession;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.version === 2 &&
    typeof v.expiresAt === 'number' &&
    ['fingerprint', 'salt', 'iv', 'tag', 'token'].every((key) => typeof v[key as keyof SealedSession] === 'string')
  );
}
