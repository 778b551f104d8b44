// A web client written against the package's TypeScript types: compiled with `tsc --strict`
// (test.sh), never run. The `@ts-expect-error` lines are misuses the types must refuse; if a
// type loosened to `any`, tsc would fail on the unused directive.
import init, {
  Chain,
  Device,
  Directory,
  Keyring,
  LogPolicy,
  MailSealer,
  Mailbox,
  Planner,
  Puk,
  TransparencyView,
  openingStream,
  sealingStream,
  splitEnvelope,
} from "mailseal";
import type {
  Checkpoint,
  Classification,
  HistoryEntry,
  MailsealError,
  MonitorFinding,
  PublishedTail,
  RecipientCopy,
  WitnessIdentity,
} from "mailseal";

interface User {
  address: string;
  puk: Puk;
  device: Device;
  chain: Chain;
}

function newUser(address: string, userId: string, deviceId: string, now: number): User {
  const puk = Puk.generate("xwing", userId, 1);
  const device = Device.generate("xwing", deviceId);
  const chain = Chain.verify([Chain.root(device, puk, [address], now)]);
  return { address, puk, device, chain };
}

/** What the service serves: its log's policy, a checkpoint note, Alice's entry, Bob's own
 *  entries, and an attachment's ciphertext with its tag list. */
interface Served {
  origin: string;
  logKey: Uint8Array;
  witnesses: WitnessIdentity[];
  note: string;
  alice: HistoryEntry;
  bobHistory: HistoryEntry[];
  ciphertext: ReadableStream<Uint8Array>;
  tags: Uint8Array;
}

export async function client(served: Served, attachment: ReadableStream<Uint8Array>, now: number): Promise<string> {
  await init();
  const alice = newUser("alice@example.com", "01".repeat(16), "a1".repeat(16), now);
  const bob = newUser("bob@example.com", "02".repeat(16), "b1".repeat(16), now);

  const sealer = new MailSealer(alice.puk, alice.device, alice.chain, alice.address, "<ts@example.com>", now);
  sealer.to(bob.address, bob.chain);
  const body: Uint8Array = sealer.addPiece(new TextEncoder().encode("Subject: hi\r\n\r\nHello Bob"));
  const upload = attachment.pipeThrough(sealingStream(sealer)).pipeTo(new WritableStream());
  await upload;
  const envelope: Uint8Array = sealer.seal();
  const copies: RecipientCopy[] = splitEnvelope(envelope);
  const mine = copies.find((c) => c.user === bob.chain.user);
  if (!mine) throw new Error("no copy for Bob");

  // Key transparency: Bob's client trusts the log's key and two of its witnesses.
  const policy = new LogPolicy(served.origin, served.logKey, served.witnesses, 2);
  const view = new TransparencyView(policy);
  const held: Checkpoint = view.update(served.note);
  const size: number = held.size;
  const root: string = held.root;
  const senders = new Directory();
  const a = served.alice;
  const published: PublishedTail = senders.addPublished(view, alice.chain, a.index, a.entry, a.inclusion);
  const planner = new Planner(alice.chain, alice.device.id);
  planner.fromDirectory(bob.address, "to", senders, bob.chain.user);
  const notes: string[] = planner.plan().notes.map((n) => n.code);
  const found: MonitorFinding = view.monitor(bob.chain, served.bobHistory);
  if (found.code === "ahead") {
    const seq: number = found.seq; // narrowed: only "ahead" has a position
    console.log(`the log has Bob's chain at ${seq}: fetch and show the new links`);
  }

  const keys = new Keyring();
  keys.add(bob.puk);
  try {
    const opened = new Mailbox(bob.chain, keys).open(mine.copy, senders);
    const shown: PublishedTail | null = opened.senderPublication;
    const footer: Classification = opened.classify(true);
    const text = new TextDecoder().decode(opened.openPiece(0, body));
    await served.ciphertext.pipeThrough(openingStream(opened, 1, served.tags)).pipeTo(new WritableStream());
    return `${footer.footer} ${text} ${size} ${root} ${published.seq} ${shown?.index ?? "unpublished"} ${notes}`;
  } catch (e) {
    const error = e as MailsealError;
    const cls: string = error.class;
    return cls;
  }
}

export function misuses(view: TransparencyView, chain: Chain, directory: Directory): void {
  // @ts-expect-error a note is bytes or text
  view.update(42);
  // @ts-expect-error the index is a number
  view.verifyPublished(chain, "0", new Uint8Array(), new Uint8Array());
  // @ts-expect-error a witness is {name, key}
  new LogPolicy("log", new Uint8Array(32), ["witness.example.org"], 1);
  // @ts-expect-error a history entry has its inclusion proof
  view.monitor(chain, [{ index: 0, entry: new Uint8Array() }]);
  // @ts-expect-error the monitor's finding is "consistent" or "ahead"
  const finding: MonitorFinding = { code: "behind" };
  // @ts-expect-error a checkpoint's root is hex text
  const root: Uint8Array = view.checkpoint!.root;
  // @ts-expect-error a publication may be null
  const tail: PublishedTail = directory.publication(chain.user);
  void [finding, root, tail];
}
