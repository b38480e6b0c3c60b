import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decryptAdminBody, encryptAdminBody } from '../../../src/core/minio-admin/madmin-crypto.ts';

/**
 * sha256 of the ciphertext that secure-io/sio-go (AES_256_GCM / ChaCha20Poly1305 streams, BufSize)
 * with golang.org/x/crypto's argon2.IDKey / pbkdf2.Key produces for password "vector-password",
 * salt 32 x 0x11, nonce 8 x 0x22, plaintext byte i = i*7: computed once with the Go packages.
 */
const GO_VECTORS: [id: 0 | 1 | 2, size: number, sha256: string][] = [
  [0, 0, 'a2c7e7fd7c64b7f1b17aeb76e31c3b6d80d0d3882ccafbf5c4ce13f7c81e2050'],
  [0, 100, '8dbd00f69e8b316e910bd466c703f24e727231966d85161b2f9c7e689d1d9c90'],
  [0, 16384, '669ae8dd7ae62e1a4b91e0ff7369bc0e1241f03aa107a4d19b2ed97a5732e424'],
  [0, 40000, '896f4dfe0ec4e118962c7c9155511910ce8bea43662c0f354d28435ccfbc2913'],
  [1, 0, '859e0456deee27f069bb9610ee543d71d4e63e4356e448b057e2c03b98f49554'],
  [1, 100, '0f4bb3da1c4ab611f8cf58b2e7708eed286d9d2559d7c079e1316ed04c03b2cd'],
  [1, 16384, '31ce9fca98227a8846572bc7f752e0580a93e0c7832cb287cd49363804f0104f'],
  [1, 40000, '8d0477a5c6c8ac2c28f9617860b6175d93f5584b69174798442c6bf0315a658e'],
  [2, 0, 'a890ef1e03f2b4210f5f9119bf3e3d5be1bf524730038fa43909816adc78e905'],
  [2, 100, '79c73ed4fac45391de953524a26bf07ca630bffcb2d2394c7be4560cb2609f8c'],
  [2, 16384, 'f204d68d5a82a583a258013d99e8d84a46282773a2d8f19f45766b9f596a8ae8'],
  [2, 40000, '1e80a88f1fdcf6722975dc0fc01ba2392adc5ac56b8b2b0ddb4de4e62e3424fc'],
];

const plaintext = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) & 0xff));
const fixed = { salt: Buffer.alloc(32, 0x11), nonce: Buffer.alloc(8, 0x22) };

describe('madmin body encryption', () => {
  for (const [id, size, digest] of GO_VECTORS) {
    it(`matches the Go implementation byte for byte: id ${id}, ${size} bytes`, () => {
      const sealed = encryptAdminBody('vector-password', plaintext(size), { ...fixed, id });
      assert.equal(createHash('sha256').update(sealed).digest('hex'), digest);
      assert.deepEqual(decryptAdminBody('vector-password', sealed), plaintext(size));
    });
  }

  it('refuses a wrong password, a changed byte and a cut-short body, never echoing the password', () => {
    const sealed = encryptAdminBody('right-password', plaintext(40_000));
    const check = (data: Buffer, password = 'right-password') =>
      assert.throws(
        () => decryptAdminBody(password, data),
        (e: Error) => /not authentic/.test(e.message) && !e.message.includes(password),
      );
    check(sealed, 'wrong-password');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 100]! ^= 1;
    check(flipped);
    check(sealed.subarray(0, sealed.length - 16_400), 'right-password');
    check(sealed.subarray(0, 20));
  });
});
