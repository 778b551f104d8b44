//! The TypeScript shapes of the plain objects the bindings return (the classes' types are
//! generated from their methods).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Every error thrown: `class` is the library's error class (SPEC.md, the test vectors). */
export interface MailsealError extends Error {
  name: "MailsealError";
  /** For example `malformed/cbor/not_canonical`, `authentication/chunk`, `chain/fork`,
   *  or `binding/invalid_argument` for an argument the binding cannot use. */
  class: string;
}
export type Suite = "xwing" | "x25519";
export type RecipientKind = "sender" | "to" | "cc" | "bcc" | "server" | "link";
export type Origin = "sender_device" | "inbound_external" | "mailing_list" | "system" | "held_for_new_user";
export interface DeviceRecord { id: string; suite: Suite; verifyingKey: Uint8Array; encryptionKey: Uint8Array; record: Uint8Array; text: string }
export interface PukRecord { user: string; generation: number; suite: Suite; mailKey: Uint8Array; fingerprint: string; record: Uint8Array; text: string }
export interface ChainTail { seq: number; hash: string; text: string }
export interface SecurityCodeText { digits: string; text: string }
export interface ChainDevice { id: string; role: "ordinary" | "backup" | "escrow"; active: boolean; addedAt: number; revokedAt: number | null; public: DeviceRecord }
export interface EscrowEnrollment {
  escrowDevice: string; enabledAt: number; disabledAt: number | null; account: string; domain: string;
  eaGroup: string; eaGeneration: number; eaKeyFingerprint: string; eaChain: ChainTail; eaDevice: string; eaDeviceKey: Uint8Array;
}
export interface ChainGeneration { generation: number; introducedAt: number | null; fingerprint: string; record: Uint8Array }
export interface EscrowTermsFields {
  account: string; domain: string; eaGroup: string; eaGeneration: number; eaKeyFingerprint: string;
  eaChain: ChainTail; eaDevice: string; eaDeviceKey: Uint8Array;
}
export interface Party { address: string; user: string | null }
export interface RoutingHeader {
  sender: { address: string; user: string | null; device: string | null; chain: ChainTail | null };
  origin: Origin; messageId: string; timestamp: number; to: Party[]; cc: Party[];
  pieceSizes: number[]; expiry: number | null; suite: Suite;
}
export interface SentRecord { bcc: string; recipients: { address: string; user: string; generation: number; kind: RecipientKind }[] }
/** A stable code (SPEC.md §11.3) and the library's sentence for it. */
export interface Worded { code: string; text: string }
export interface Classification {
  /** "E2E Encrypted" or "Server Encrypted". */
  footer: string;
  code: "e2e_encrypted" | "server_encrypted";
  sender: "verified_active_device" | "revoked_device" | "escrow_device" | "backup_device" | "unsigned";
  reasons: Worded[]; cautions: Worded[]; escrow: EscrowEnrollment | null;
  /** The sender's escrow that can read this mail (SPEC.md §11.2), or null. */
  senderEscrow: EscrowEnrollment | null;
}
export interface PlanReason { code: string; address: string | null; text: string }
export interface PlanNote { code: string; address: string; eaGroup: string | null; text: string }
export interface PlannedKey { kind: RecipientKind; address: string; user: string }
export interface RoutingInfo {
  origin: Origin; suite: Suite; boxes: { kind: RecipientKind; address: string; user: string }[];
  linkBox: boolean; heldFor: { address: string; user: string }[]; external: string[];
  messageId: string; pieceSizes: number[];
}
export interface RecipientCopy { address: string; user: string; kind: RecipientKind; copy: Uint8Array }
export interface SealedMail { envelope: Uint8Array; pieces: Uint8Array[] }
export interface RestrictedMail { envelope: Uint8Array; fragment: string }
export interface UnwrappedSeed { puk: Puk; approver: ChainDevice; cosigner: ChainDevice | null }
export interface Rotation { puk: Puk; link: Uint8Array; wraps: { device: string; wrap: Uint8Array }[] }
export interface ParsedReport { disclosed: number[]; reporter: string; header: RoutingHeader }
export interface VerifiedReport {
  sender: string; senderDevice: string; senderStatus: string; from: string; fromIsSenders: boolean;
  sentAt: number; messageId: string; recipient: string; recipientKind: RecipientKind;
  reporter: string; reporterDevice: string; reportedAt: number; pieceCount: number;
  pieces: { index: number; plaintext: Uint8Array }[];
}
/** A witness a client relies on: its name (the key name of its cosignatures) and Ed25519 key. */
export interface WitnessIdentity { name: string; key: Uint8Array }
/** A verified checkpoint: the log's size and its RFC 6962 root hash (hex). */
export interface Checkpoint { size: number; root: string }
/** A chain tail found in the log: the entry's index, the chain position it publishes, and the
 *  size of the checkpoint it was proven under. */
export interface PublishedTail { index: number; seq: number; checkpointSize: number }
/** One of the user's own log entries as the service serves it, with its inclusion proof. */
export interface HistoryEntry { index: number; entry: Uint8Array; inclusion: Uint8Array }
/** What self-monitoring found: every published tail is the user's (`consistent`), or the log
 *  publishes positions up to `seq` beyond the client's chain (`ahead`). */
export type MonitorFinding = { code: "consistent" } | { code: "ahead"; seq: number };
export interface SealedPiece { ciphertext: Uint8Array; digest: Uint8Array }
export interface OpenedPiece { plaintext: Uint8Array; digest: Uint8Array }
"#;
