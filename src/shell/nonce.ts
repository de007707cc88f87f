import { randomBytes } from "node:crypto";

/** A fresh random DNS label of 64 bits (16 hex digits): the heartbeat nonce (DESIGN §2). */
export const randomNonce = (): string => randomBytes(8).toString("hex");
