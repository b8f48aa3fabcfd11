/** writeFileDurably, the one way the JWT secret and backups are written: whole, owner-only, no leftovers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { writeFileDurably } from '../../src/ops/durable-file.js';
import { mountSmallDisk, type SmallDisk } from '../support/small-disk.js';

describe('durable file writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pingstreams-durable-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes text or bytes whole, owner-only, over what was there, and leaves no temporary file', () => {
    const file = path.join(dir, 'jwt-secret');
    writeFileDurably(file, 'first secret');
    expect(fs.readFileSync(file, 'utf8')).to.equal('first secret');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);

    const bytes = Buffer.alloc(3 * 1024 * 1024, 0xab);
    writeFileDurably(file, bytes);
    expect(fs.readFileSync(file).equals(bytes)).to.equal(true);
    expect(fs.readdirSync(dir)).to.deep.equal(['jwt-secret']);
  });

  describe('on a full disk', function () {
    this.timeout(30_000);
    let disk: SmallDisk;
    before(() => {
      disk = mountSmallDisk(8);
    });
    after(() => disk?.remove());

    it('throws, keeps the file that was there, and leaves no temporary file', () => {
      const file = path.join(disk.dir, 'backup.bin');
      writeFileDurably(file, 'the previous backup');
      disk.fill(256 * 1024);
      expect(() => writeFileDurably(file, Buffer.alloc(2 * 1024 * 1024, 1))).to.throw(/ENOSPC/);
      expect(fs.readFileSync(file, 'utf8')).to.equal('the previous backup');
      expect(fs.readdirSync(disk.dir).sort()).to.deep.equal(['backup.bin', 'filler']);
      disk.free();
    });
  });
});
