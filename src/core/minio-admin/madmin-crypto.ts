import { argon2Sync, createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, type CipherGCMTypes } from 'node:crypto';
import { MpegflowError } from '../errors.ts';

/**
 * MinIO's admin API encrypts bodies that carry credentials (madmin's
 * EncryptData/DecryptData): salt(32) | AEAD id(1) | nonce(8) | sio stream.
 * The key is derived from the admin secret key: Argon2id (t=1, m=64 MiB,
 * p=4) for ids 0 and 1, PBKDF2-SHA256 (8192 rounds) for id 2. The sio stream
 * seals 16 KiB fragments; fragment i uses nonce || uint32le(i), and every
 * fragment is authenticated with flag || tag, where the tag is the AEAD's
 * seal of nothing under sequence number 0 and the flag is 0x80 on the final
 * fragment, 0x00 before it.
 */

export const ARGON2ID_AES_GCM = 0x00;
export const ARGON2ID_CHACHA20_POLY1305 = 0x01;
export const PBKDF2_AES_GCM = 0x02;

const SALT = 32;
const NONCE = 8;
const TAG = 16;
const FRAGMENT = 16 * 1024;
const HEADER = SALT + 1 + NONCE;

type Aead = { cipher: CipherGCMTypes | 'chacha20-poly1305' };

function deriveKey(id: number, password: string, salt: Buffer): Buffer {
  if (id === PBKDF2_AES_GCM) return pbkdf2Sync(password, salt, 8192, 32, 'sha256');
  return argon2Sync('argon2id', {
    message: Buffer.from(password),
    nonce: salt,
    parallelism: 4,
    tagLength: 32,
    memory: 64 * 1024,
    passes: 1,
  });
}

function aeadFor(id: number): Aead {
  if (id === ARGON2ID_AES_GCM || id === PBKDF2_AES_GCM) return { cipher: 'aes-256-gcm' };
  if (id === ARGON2ID_CHACHA20_POLY1305) return { cipher: 'chacha20-poly1305' };
  throw new MpegflowError(`the admin response is encrypted with an unknown scheme (id ${id})`, {
    code: 'ADMIN_CRYPTO_UNKNOWN',
  });
}

function fragmentNonce(nonce: Buffer, seq: number): Buffer {
  const full = Buffer.alloc(NONCE + 4);
  nonce.copy(full);
  full.writeUInt32LE(seq, NONCE);
  return full;
}

function seal(aead: Aead, key: Buffer, nonce: Buffer, plaintext: Buffer, ad: Buffer): Buffer {
  const cipher = createCipheriv(aead.cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  cipher.setAAD(ad, { plaintextLength: plaintext.length });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(aead: Aead, key: Buffer, nonce: Buffer, sealed: Buffer, ad: Buffer): Buffer {
  const decipher = createDecipheriv(aead.cipher as CipherGCMTypes, key, nonce, { authTagLength: TAG });
  decipher.setAAD(ad, { plaintextLength: sealed.length - TAG });
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]);
}

/** The associated data of every fragment: a flag byte and the tag of sealing nothing under sequence number 0. */
function streamAd(aead: Aead, key: Buffer, nonce: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x00]), seal(aead, key, fragmentNonce(nonce, 0), Buffer.alloc(0), Buffer.alloc(0))]);
}

export interface EncryptOptions {
  id?: typeof ARGON2ID_AES_GCM | typeof PBKDF2_AES_GCM | typeof ARGON2ID_CHACHA20_POLY1305;
  /** Fixed salt and nonce, for test vectors only. */
  salt?: Buffer;
  nonce?: Buffer;
}

/** Encrypts an admin request body the way madmin does; PBKDF2 + AES-GCM by default (what a FIPS client sends). */
export function encryptAdminBody(password: string, plaintext: Buffer, options: EncryptOptions = {}): Buffer {
  const id = options.id ?? PBKDF2_AES_GCM;
  const salt = options.salt ?? randomBytes(SALT);
  const nonce = options.nonce ?? randomBytes(NONCE);
  const key = deriveKey(id, password, salt);
  const aead = aeadFor(id);
  const ad = streamAd(aead, key, nonce);
  const parts: Buffer[] = [salt, Buffer.from([id]), nonce];
  let seq = 1;
  let offset = 0;
  // every fragment but the last is full; the last (possibly empty) carries the final flag
  while (plaintext.length - offset > FRAGMENT) {
    parts.push(seal(aead, key, fragmentNonce(nonce, seq++), plaintext.subarray(offset, offset + FRAGMENT), ad));
    offset += FRAGMENT;
  }
  ad[0] = 0x80;
  parts.push(seal(aead, key, fragmentNonce(nonce, seq), plaintext.subarray(offset), ad));
  return Buffer.concat(parts);
}

function notAuthentic(): MpegflowError {
  return new MpegflowError('the encrypted admin body is not authentic: wrong secret key, or the data was altered or cut short', {
    code: 'ADMIN_CRYPTO_FAILED',
    suggestion: "check the endpoint's secret key with `mpegflow endpoint test NAME`",
  });
}

/** Decrypts an admin response body (any of madmin's three schemes). */
export function decryptAdminBody(password: string, data: Buffer): Buffer {
  if (data.length < HEADER + TAG) throw notAuthentic();
  const salt = data.subarray(0, SALT);
  const id = data[SALT]!;
  const aead = aeadFor(id);
  const nonce = data.subarray(SALT + 1, HEADER);
  const key = deriveKey(id, password, salt);
  const ad = streamAd(aead, key, nonce);
  const body = data.subarray(HEADER);
  const out: Buffer[] = [];
  let seq = 1;
  let offset = 0;
  try {
    while (body.length - offset > FRAGMENT + TAG) {
      out.push(open(aead, key, fragmentNonce(nonce, seq++), body.subarray(offset, offset + FRAGMENT + TAG), ad));
      offset += FRAGMENT + TAG;
    }
    ad[0] = 0x80;
    out.push(open(aead, key, fragmentNonce(nonce, seq), body.subarray(offset), ad));
  } catch {
    throw notAuthentic();
  }
  return Buffer.concat(out);
}
