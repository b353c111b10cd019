// A local folder or file as batch input and output (laptop runs, tests, and
// volumes mounted into a Job's pods).
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileSize } from '../plan.ts';
import { isDataName, type InputStore, type OutputStore, type Sink } from './store.ts';

async function walk(root: string, dir: string, out: FileSize[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(root, full).split(path.sep).join('/');
    if (!isDataName(relative)) continue;
    if (entry.isDirectory()) await walk(root, full, out);
    else if (entry.isFile()) out.push({ name: full, size: (await stat(full)).size });
  }
}

export function localInput(location: string): InputStore {
  let root = location;
  return {
    async list() {
      const info = await stat(location).catch(() => undefined);
      if (info === undefined) throw new Error(`${location}: no such file or directory`);
      if (info.isFile()) {
        root = path.dirname(location);
        return [{ name: location, size: info.size }];
      }
      const files: FileSize[] = [];
      await walk(location, location, files);
      return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async read(file, start, end) {
      const handle = await open(file, 'r');
      try {
        const buffer = Buffer.allocUnsafe(end - start);
        let done = 0;
        while (done < buffer.length) {
          const { bytesRead } = await handle.read(buffer, done, buffer.length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buffer.subarray(0, done);
      } finally {
        await handle.close();
      }
    },
    async stream(file, start): Promise<Readable> {
      return createReadStream(file, { start, highWaterMark: 1 << 20 });
    },
    describe(file) {
      return path.relative(root, file) || path.basename(file);
    },
  };
}

function writeChunk(stream: WriteStream, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stream.write(chunk, (error) => (error ? reject(error) : undefined));
    if (ok) resolve();
    else stream.once('drain', resolve);
  });
}

export function localOutput(dir: string): OutputStore {
  const full = (name: string) => path.join(dir, ...name.split('/'));
  return {
    async readText(name) {
      try {
        return await readFile(full(name), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async put(name, body) {
      const target = full(name);
      await mkdir(path.dirname(target), { recursive: true });
      const temp = `${path.join(path.dirname(target), `.${path.basename(target)}`)}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(temp, body);
      await rename(temp, target);
    },
    async sink(name): Promise<Sink> {
      const target = full(name);
      await mkdir(path.dirname(target), { recursive: true });
      // Hidden (leading dot): readers of the output folder skip it, and a killed run leaves nothing they would read.
      const temp = `${path.join(path.dirname(target), `.${path.basename(target)}`)}.${randomBytes(4).toString('hex')}.tmp`;
      const stream = createWriteStream(temp);
      let failure: Error | undefined;
      stream.on('error', (error) => {
        failure = error;
      });
      const closed = () =>
        new Promise<void>((resolve, reject) => {
          if (failure) return reject(failure);
          stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
        });
      return {
        async write(chunk) {
          if (failure) throw failure;
          await writeChunk(stream, chunk);
        },
        async commit() {
          await closed();
          await rename(temp, target);
        },
        async abort() {
          stream.destroy();
          await rm(temp, { force: true });
        },
      };
    },
    describe(name) {
      return full(name);
    },
  };
}
