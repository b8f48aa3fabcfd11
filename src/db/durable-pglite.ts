/**
 * The embedded database on disk, durable: "acked" means on the disk, as with a PostgreSQL server.
 *
 * PGlite 0.5 on Node starts PostgreSQL with `-F` (fsync off), and its file layer (Emscripten's
 * NODEFS: plain fs.writeSync into DATA_DIR) has no fsync at all, so PostgreSQL's own fsync calls
 * would do nothing either: a commit reached the OS page cache, which survives a process crash but
 * not a power cut or an OS crash. Here PostgreSQL runs with fsync on and NODEFS gets a real fsync
 * (fs.fsyncSync), so PostgreSQL's proven machinery does the rest: the WAL is fsynced at every
 * commit before COMMIT returns (one fsync per message batch, thanks to the group commit), and
 * data files and directories at checkpoints and file creation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

/** What the patched NODEFS needs to know about an open file. */
interface NodefsStream {
  nfd: number;
  /** Emscripten's node of the file: one per path while the file exists, shared by its streams. */
  node: object;
}
type SetAttr = (target: any, attr: { size?: number }) => void;
interface Nodefs {
  stream_ops: {
    fsync?: (stream: NodefsStream) => number;
    open(stream: NodefsStream): void;
    write(stream: NodefsStream, buffer: Uint8Array, offset: number, length: number, position: number): number;
    llseek(stream: NodefsStream, offset: number, whence: number): number;
    setattr: SetAttr;
  };
  node_ops: { setattr: SetAttr };
  tryFSOperation<T>(f: () => T): T;
}

const SEEK_END = 2;

/**
 * PostgreSQL asks a file's size with lseek(SEEK_END) many times a batch (planning, extending a
 * relation, the WAL), and NODEFS answers each with an fstat system call: 7% of the embedded
 * server's CPU in the bench (issue 9). Every change to a file's size made by this process goes
 * through NODEFS's write or setattr (ftruncate, and fallocate, which Emscripten turns into
 * ftruncate), and no other process writes in DATA_DIR (it is locked), so the size is kept per
 * file from the first fstat on: a write past the end grows it, a truncate sets it. Opening a file
 * forgets it (O_TRUNC truncates behind NODEFS's back), and so do a failed write or truncate and
 * a write whose position is not a number (not something Emscripten does).
 */
function cacheFileSizes(nodefs: Nodefs): void {
  const sizes = new WeakMap<object, number>();
  const ops = nodefs.stream_ops;
  const { open, write, llseek, setattr: setStreamAttr } = ops;
  const setNodeAttr = nodefs.node_ops.setattr;
  ops.open = (stream) => {
    sizes.delete(stream.node);
    open(stream);
  };
  /** Runs a change to the file; if it fails, its size is no longer known for sure. */
  const changing = <T>(node: object, change: () => T): T => {
    try {
      return change();
    } catch (err) {
      sizes.delete(node);
      throw err;
    }
  };
  ops.write = (stream, buffer, offset, length, position) => {
    const written = changing(stream.node, () => write(stream, buffer, offset, length, position));
    const known = sizes.get(stream.node);
    if (typeof position !== 'number') sizes.delete(stream.node);
    else if (known !== undefined && position + written > known) sizes.set(stream.node, position + written);
    return written;
  };
  ops.llseek = (stream, offset, whence) => {
    if (whence !== SEEK_END) return llseek(stream, offset, whence);
    const known = sizes.get(stream.node);
    if (known !== undefined && known + offset >= 0) return known + offset;
    // The first time (or a negative result, whose error NODEFS raises): ask the file system.
    const position = llseek(stream, offset, whence);
    sizes.set(stream.node, position - offset);
    return position;
  };
  ops.setattr = (stream: NodefsStream, attr) => {
    changing(stream.node, () => setStreamAttr(stream, attr));
    if (attr.size !== undefined) sizes.set(stream.node, attr.size);
  };
  nodefs.node_ops.setattr = (node: object, attr) => {
    changing(node, () => setNodeAttr(node, attr));
    if (attr.size !== undefined) sizes.set(node, attr.size);
  };
}

/** NodeFS whose streams fsync for real (counted, so tests and operators can see them) and that knows its files' sizes. */
class FsyncingNodeFS extends NodeFS {
  fsyncs = 0;

  override async init(pg: PGlite, opts: Parameters<NodeFS['init']>[1]) {
    const result = await super.init(pg, opts);
    result.emscriptenOpts.preRun = [
      (mod) => {
        const nodefs = mod.NODEFS as unknown as Nodefs;
        nodefs.stream_ops.fsync = (stream) => {
          // tryFSOperation turns a failed fsync (EIO, ENOSPC) into an errno PostgreSQL sees
          // (and PANICs on, as it must: a failed fsync may have lost the page).
          nodefs.tryFSOperation(() => fs.fsyncSync(stream.nfd));
          this.fsyncs++;
          return 0;
        };
        cacheFileSizes(nodefs);
      },
      ...(result.emscriptenOpts.preRun ?? []),
    ];
    return result;
  }
}

/**
 * PGlite's defaults without `-F`, and WAL sync by fsync(): the default fdatasync() goes through
 * an Emscripten syscall that is a no-op, fsync() reaches the stream's fsync above.
 */
export const DURABLE_START_PARAMS = [...PGlite.defaultStartParams.filter((p) => p !== '-F'), '-c', 'wal_sync_method=fsync'];

export interface DurablePglite {
  pglite: PGlite;
  /** Resolves once PostgreSQL is up (and, on a new folder, everything initdb wrote is on disk). */
  ready: Promise<void>;
  /** fsync calls made since the start: a commit that did not add one did not wait for the disk. */
  fsyncs(): number;
}

/** `durable: false` is PGlite as it comes (fsync off), kept only to measure what durability costs. */
export function openDurablePglite(dataDir: string, options: Omit<PGliteOptions, 'fs' | 'dataDir' | 'startParams'>, durable = true): DurablePglite {
  const isNew = !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  const nodeFs = new FsyncingNodeFS(dataDir);
  const pglite = new PGlite({ ...options, fs: nodeFs, startParams: durable ? DURABLE_START_PARAMS : PGlite.defaultStartParams });
  // PGlite runs initdb in memory and copies the result into the folder without fsync: make a new
  // cluster durable once, or a power cut soon after the first start could leave a broken folder.
  const ready = pglite.waitReady.then(() => (isNew && durable ? fsyncTree(dataDir) : undefined));
  return { pglite, ready, fsyncs: () => nodeFs.fsyncs };
}

/** fsyncs every file and folder under `dir`, folders after their entries. */
function fsyncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(full);
    else if (entry.isFile()) fsyncPath(full);
  }
  fsyncPath(dir);
}

function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
