import { hash, verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../../core/ports.js";

/**
 * Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane), via @node-rs/argon2:
 * prebuilt binaries, no install script, no native build on the machine.
 */
export const argon2Hasher: PasswordHasher = {
  hash: (password) => hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 }),
  verify: (digest, password) => verify(digest, password),
};
